package io.llmux.store;

import java.time.Clock;

/** Every table's store over one database. */
public record Stores(
        Database database,
        KeyStore keys,
        UserStore users,
        TeamStore teams,
        OrganizationStore organizations,
        SpendLogStore spendLogs) {

    public static Stores over(Database db, Clock clock) {
        return new Stores(
                db,
                new KeyStore(db, clock),
                new UserStore(db, clock),
                new TeamStore(db, clock),
                new OrganizationStore(db, clock),
                new SpendLogStore(db, clock));
    }
}
