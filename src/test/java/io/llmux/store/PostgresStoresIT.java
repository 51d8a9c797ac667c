package io.llmux.store;

import org.junit.jupiter.api.Nested;

/**
 * The store contracts on the local PostgreSQL (127.0.0.1:5432, user postgres), each class on a database of its own
 * created for the run and dropped after it. Skipped with the reason printed when PostgreSQL is not there, unless
 * {@code LLMUX_IT_REQUIRED=1}.
 */
class PostgresStoresIT {

    @Nested
    class Schema extends MigrationsContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.postgres();
        }
    }

    @Nested
    class Keys extends KeyStoreContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.postgres();
        }
    }

    @Nested
    class Entities extends EntityStoreContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.postgres();
        }
    }

    @Nested
    class SpendLogs extends SpendLogStoreContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.postgres();
        }
    }

    @Nested
    class Resets extends BudgetResetContract {
        @Override
        TestDatabases newDatabases() {
            return TestDatabases.postgres();
        }
    }
}
