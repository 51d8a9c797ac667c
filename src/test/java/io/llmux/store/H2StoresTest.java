package io.llmux.store;

import org.junit.jupiter.api.Nested;

/** The store contracts on embedded H2 (PostgreSQL mode), each on a fresh file in a temporary directory. */
class H2StoresTest {

    @Nested
    class Schema extends MigrationsContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.h2();
        }
    }

    @Nested
    class Keys extends KeyStoreContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.h2();
        }
    }

    @Nested
    class Entities extends EntityStoreContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.h2();
        }
    }

    @Nested
    class SpendLogs extends SpendLogStoreContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.h2();
        }
    }

    @Nested
    class Resets extends BudgetResetContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.h2();
        }
    }
}
