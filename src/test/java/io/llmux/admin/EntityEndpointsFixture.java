package io.llmux.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.GatewayException;
import io.llmux.auth.Caller;
import io.llmux.auth.KeyGenerator;
import io.llmux.auth.KeyHash;
import io.llmux.auth.KeyInvalidation;
import io.llmux.budget.LocalLedger;
import io.llmux.config.DatabaseConfig;
import io.llmux.store.Database;
import io.llmux.store.KeyRow;
import io.llmux.store.Migrations;
import io.llmux.store.Stores;
import io.llmux.testing.TestClock;
import io.llmux.wire.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * The base of the team, user and organization endpoint tests: real stores on one embedded H2 database per class,
 * emptied before each test, a clock the tests move, a local ledger and an invalidation that records what it is
 * told. Routes are called the way the HTTP handler calls them, by method and path, as the master key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EntityEndpointsFixture {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private Path dir;
    Database db;
    Stores stores;
    final TestClock clock = new TestClock(T0);
    final RecordingInvalidation invalidation = new RecordingInvalidation();
    LocalLedger ledger;
    Management management;
    private List<AdminRoute> routes;

    @BeforeAll
    void openDatabase() throws IOException {
        dir = Files.createTempDirectory("llmux-entities");
        db = Database.open(
                new DatabaseConfig(
                        DatabaseConfig.Type.EMBEDDED,
                        "db/llmux",
                        "localhost",
                        5432,
                        "llmux",
                        "",
                        "llmux",
                        "disable",
                        4),
                dir);
        Migrations.apply(db);
        stores = Stores.over(db, clock);
    }

    @AfterAll
    void closeDatabase() throws IOException {
        if (db != null) {
            db.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            for (String table : List.of(
                    "llmux_spend_logs",
                    "llmux_keys",
                    "llmux_team_members",
                    "llmux_users",
                    "llmux_teams",
                    "llmux_organizations")) {
                s.execute("DELETE FROM " + table);
            }
        }
        clock.set(T0);
        invalidation.keys.clear();
        invalidation.all = 0;
        ledger = new LocalLedger(clock);
        management = new Management(stores, invalidation, ledger, new KeyGenerator(new SecureRandom()), clock);
        routes = new ArrayList<>();
        routes.addAll(new TeamEndpoints(management).routes());
        routes.addAll(new UserEndpoints(management).routes());
        routes.addAll(new OrganizationEndpoints(management).routes());
    }

    /** A write: the JSON body to {@code method path}. */
    JsonNode call(String method, String path, String body) throws GatewayException {
        return route(method, path)
                .endpoint()
                .handle(new AdminRequest(method, path, Map.of(), json(body), Caller.MASTER));
    }

    JsonNode post(String path, String body) throws GatewayException {
        return call("POST", path, body);
    }

    JsonNode get(String path, Map<String, String> query) throws GatewayException {
        return route("GET", path)
                .endpoint()
                .handle(new AdminRequest("GET", path, query, Json.MAPPER.createObjectNode(), Caller.MASTER));
    }

    /** The 4xx a call answers; fails the test when it succeeds. */
    GatewayException refused(String method, String path, String body) {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> call(method, path, body));
        assertThat(e).as("%s %s %s should be refused", method, path, body).isNotNull();
        return e;
    }

    GatewayException refusedGet(String path, Map<String, String> query) {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> get(path, query));
        assertThat(e).as("GET %s %s should be refused", path, query).isNotNull();
        return e;
    }

    /** Asserts a 400 naming {@code param}. */
    static void assertBadField(GatewayException e, String param) {
        assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
        assertThat(e.param()).as(e.getMessage()).isEqualTo(param);
        assertThat(e.getMessage()).contains(param);
    }

    /** Asserts a 404 whose message names {@code id}. */
    static void assertNotFound(GatewayException e, String id) {
        assertThat(e.status()).as(e.getMessage()).isEqualTo(404);
        assertThat(e.getMessage()).contains("'" + id + "'");
    }

    AdminRoute route(String method, String path) {
        return routes.stream()
                .filter(r -> r.method().equals(method) && r.path().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no route " + method + " " + path));
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }

    /** A stored key named {@code name} (its hash is {@code KeyHash.of(name)}) of a user, team or organization. */
    KeyRow key(String name, String userId, String teamId, String organizationId) {
        return stores.keys()
                .insert(new KeyRow(
                        KeyHash.of(name),
                        KeyHash.masked(name),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        userId,
                        teamId,
                        organizationId,
                        null,
                        null,
                        null,
                        null,
                        false,
                        null,
                        null));
    }

    static final class RecordingInvalidation implements KeyInvalidation {
        final List<String> keys = new ArrayList<>();
        int all;

        @Override
        public void key(String keyHash) {
            keys.add(keyHash);
        }

        @Override
        public void all() {
            all++;
        }
    }
}
