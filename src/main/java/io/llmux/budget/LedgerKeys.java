package io.llmux.budget;

/**
 * Names of the budget ledger's Redis keys. Every key carries the one hash tag {@code {b}}: a reservation touches a
 * key's (and its model budget's), a user's, a team's and an organization's counters in one script, and a script may
 * only touch keys of one Redis Cluster slot. Users, teams and organizations are shared by many keys in every
 * combination, so no tag per entity could keep each request's counters together; the ledger lives in one slot
 * instead (one short script per request and per answer). The tag comes before the id, and Redis hashes the first
 * {@code {...}} of a name, so an id with braces of its own cannot move its key to another slot.
 *
 * <ul>
 *   <li>{@code llmux:budget:{b}:c:<kind>:<id>} — hash: {@code end} (period end, epoch ms; 0: never resets),
 *       {@code spent} and {@code res} (what open reservations hold), nano-USD integers.
 *   <li>{@code llmux:budget:{b}:r:<kind>:<id>} — sorted set of open reservations, member
 *       {@code <reservation id>:<nano-USD>}, scored by when it lapses (epoch ms).
 * </ul>
 *
 * Both expire ({@link Periods#expireAt}), pushed on by every use, so entities never seen again leave nothing behind.
 * The structure comes before the id, so no id (a team's may hold colons) names another entity's key. A key's budget
 * for one model group has the id {@code <key hash>#<model group>}: a hash is hex, so whatever a group's name holds
 * (slashes, colons, braces, {@code #}), it names neither another key nor another model's counter.
 */
record LedgerKeys(String prefix) {
    static final String DEFAULT_PREFIX = "llmux:budget:";

    String counter(BudgetScope scope) {
        return prefix + "{b}:c:" + scope.key();
    }

    String reservations(BudgetScope scope) {
        return prefix + "{b}:r:" + scope.key();
    }
}
