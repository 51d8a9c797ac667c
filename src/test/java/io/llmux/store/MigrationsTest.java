package io.llmux.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void statementsEndAtASemicolonThatEndsALine() {
        String sql = """
                -- a comment; with a semicolon
                CREATE TABLE a (
                    x INT, -- not the end
                    y TEXT DEFAULT ';'
                );

                CREATE INDEX a_x ON a (x);
                INSERT INTO a (x) VALUES (1)
                """;

        assertThat(Migrations.statements(sql))
                .containsExactly(
                        "CREATE TABLE a (\nx INT, -- not the end\ny TEXT DEFAULT ';'\n)",
                        "CREATE INDEX a_x ON a (x)",
                        "INSERT INTO a (x) VALUES (1)");
    }

    @Test
    void theIndexListsV1First() {
        List<Migrations.Migration> all = Migrations.load();

        assertThat(all).first().satisfies(m -> {
            assertThat(m.version()).isEqualTo(1);
            assertThat(m.name()).isEqualTo("V1__init.sql");
            assertThat(m.statements())
                    .anySatisfy(s -> assertThat(s).startsWith("CREATE TABLE IF NOT EXISTS llmux_keys"));
        });
        assertThat(all).extracting(Migrations.Migration::version).isSorted().doesNotHaveDuplicates();
    }
}
