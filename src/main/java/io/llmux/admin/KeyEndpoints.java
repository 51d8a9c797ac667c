package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmux.GatewayException;
import io.llmux.auth.Caller;
import io.llmux.auth.KeyHash;
import io.llmux.auth.Principal;
import io.llmux.budget.BudgetScopes;
import io.llmux.budget.Nanos;
import io.llmux.store.KeyRow;
import io.llmux.store.KeyStore;
import io.llmux.store.Page;
import io.llmux.store.StoreException;
import io.llmux.store.TeamRow;
import io.llmux.wire.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key routes of SPEC §8 with LiteLLM's fields and answers: generate, update, delete, info, list, regenerate
 * (also in LiteLLM's path form {@code /key/{key}/regenerate}), block and unblock. Wherever a key is named, its hash
 * works as well as the key itself. Every write tells the key cache, so a change holds on the next request.
 *
 * <p>Choices where LiteLLM is loose or silent:
 *
 * <ul>
 *   <li>A {@code user_id}, {@code team_id} or {@code organization_id} that names nothing stored is a 400 naming the
 *       field (a bad field of the request, SPEC §8), where LiteLLM would store the dangling id: a key of a team that
 *       does not exist would escape every team bound.
 *   <li>{@code /key/delete} deletes all the keys named or none: any unknown one is a 404 naming it. (LiteLLM deletes
 *       those it finds and reports the rest only when it finds none.) The answer lists the keys as they were sent,
 *       as LiteLLM's does.
 *   <li>{@code /key/info} and {@code /key/update} answer with the key's hash in {@code key}, never the key.
 * </ul>
 */
public final class KeyEndpoints {
    static final int DEFAULT_PAGE_SIZE = 10;
    static final int MAX_PAGE_SIZE = 100;
    /** A key type that may read other keys' info, as it may call the READ routes. */
    private static final Set<String> READING = Set.of(KeyRow.DEFAULT_KEY_TYPE, "management", "read_only");
    /** Team models that bound nothing. */
    private static final Set<String> ANY_MODEL = Set.of("*", "all-proxy-models");

    private final Management m;

    /** @param m null without a database: the routes are listed but never run */
    public KeyEndpoints(Management m) {
        this.m = m;
    }

    public List<AdminRoute> routes() {
        return List.of(
                AdminRoute.admin("POST", "/key/generate", this::generate),
                AdminRoute.admin("POST", "/key/update", this::update),
                AdminRoute.admin("POST", "/key/delete", this::delete),
                AdminRoute.self("GET", "/key/info", this::info),
                AdminRoute.read("GET", "/key/list", this::list),
                AdminRoute.admin("POST", "/key/regenerate", this::regenerate),
                AdminRoute.admin("POST", "/key/{key}/regenerate", this::regenerate),
                AdminRoute.admin("POST", "/key/block", r -> block(r, true)),
                AdminRoute.admin("POST", "/key/unblock", r -> block(r, false)));
    }

    private JsonNode generate(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        KeyInput in = KeyInput.read(f);
        String chosen = chosenKey(f, "key");
        Instant now = m.clock().instant();
        KeyRow draft = in.apply(null, "", "", now);
        checkAlias(draft.keyAlias(), null);
        checkReferences(in, draft);
        KeyIssuer.Issued issued;
        try {
            issued = chosen == null
                    ? KeyIssuer.issue(m, (token, name) -> in.apply(null, token, name, now))
                    : KeyIssuer.issue(m, chosen, (token, name) -> in.apply(null, token, name, now));
        } catch (StoreException e) {
            throw conflict(e, draft.keyAlias(), chosen == null ? null : "key");
        }
        m.invalidation().key(issued.row().token()); // a lookup of it a moment ago may be negatively cached
        return KeyJson.generated(issued.key(), issued.row());
    }

    private JsonNode update(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String given = f.requiredString("key");
        KeyInput in = KeyInput.read(f);
        KeyRow current = find(given);
        KeyRow updated = change(current, in);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("key", updated.token());
        out.setAll(KeyJson.fields(updated, liveSpend(updated)));
        return out;
    }

    private JsonNode delete(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        List<String> keys = f.strings("keys").applyOr(List.of(), List.of());
        List<String> aliases = f.strings("key_aliases").applyOr(List.of(), List.of());
        if (keys.isEmpty() && aliases.isEmpty()) {
            throw Fields.bad(
                    "keys", "is required: send {\"keys\": [...]} (keys or their hashes) or {\"key_aliases\": [...]}");
        }
        if (!keys.isEmpty() && !aliases.isEmpty()) {
            throw Fields.bad("key_aliases", "cannot be sent with keys: send one list or the other");
        }
        KeyStore store = m.stores().keys();
        List<KeyRow> deleted;
        if (!keys.isEmpty()) {
            Set<String> hashes = new LinkedHashSet<>();
            List<String> unknown = new ArrayList<>();
            for (String k : keys) {
                String hash = hashOf(k);
                hashes.add(hash);
                if (store.findByHash(hash).isEmpty()) {
                    unknown.add(shown(k));
                }
            }
            if (!unknown.isEmpty()) {
                throw GatewayException.notFound("No key matches " + quoted(unknown)
                        + "; nothing was deleted. GET /key/list shows the keys there are.");
            }
            deleted = store.deleteByHashes(hashes);
        } else {
            List<String> unknown = new ArrayList<>();
            for (String alias : aliases) {
                if (store.findByAlias(alias).isEmpty()) {
                    unknown.add(alias);
                }
            }
            if (!unknown.isEmpty()) {
                throw GatewayException.notFound("No key has the key_alias " + quoted(unknown)
                        + "; nothing was deleted. GET /key/list shows the keys there are.");
            }
            deleted = store.deleteByAliases(new LinkedHashSet<>(aliases));
        }
        for (KeyRow row : deleted) {
            m.invalidation().key(row.token());
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        RowJson.putStrings(out, "deleted_keys", keys.isEmpty() ? aliases : keys);
        return out;
    }

    private JsonNode info(AdminRequest r) throws GatewayException {
        Caller caller = r.caller();
        String own =
                caller.principal() == null ? null : caller.principal().key().token();
        String given = Query.string(r.query(), "key");
        if (given == null && own == null) {
            throw Fields.bad("key", "is required with the master key: the key to describe, or its hash");
        }
        String hash = given == null ? own : hashOf(given);
        if (!readsAnyKey(caller) && !hash.equals(own)) {
            // checked before the lookup, so a key cannot learn which other keys exist
            throw GatewayException.permissionDenied(
                    null, "A key may read only its own /key/info; leave out ?key= to read this key's.");
        }
        KeyRow row = find(given == null ? hash : given);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("key", row.token());
        out.set("info", KeyJson.fields(row, liveSpend(row)));
        return out;
    }

    private JsonNode list(AdminRequest r) throws GatewayException {
        Map<String, String> q = r.query();
        int page = Query.integer(q, "page", 1, 1, 1_000_000);
        int size = Query.integer(q, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        boolean full = flag(q, "return_full_object");
        String userId = Query.string(q, "user_id");
        String teamId = Query.string(q, "team_id");
        String keyHash = Query.string(q, "key_hash");
        String keyAlias = Query.string(q, "key_alias");
        Page<KeyRow> result;
        if (keyHash != null || keyAlias != null) {
            result = one(keyHash, keyAlias, userId, teamId, page, size);
        } else {
            result = m.stores().keys().list(userId, teamId, page, size);
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode keys = out.putArray("keys");
        for (KeyRow row : result.rows()) {
            if (full) {
                keys.add(KeyJson.fields(row, liveSpend(row)));
            } else {
                keys.add(row.token());
            }
        }
        out.put("total_count", result.total());
        out.put("current_page", result.page());
        out.put("total_pages", result.totalPages());
        return out;
    }

    /**
     * Gives a key a new value, shown once, keeping its alias, budgets, spend and limits; the old value stops working
     * at once. Any key field sent along is changed too, as LiteLLM allows; {@code new_key} picks the new value.
     */
    private JsonNode regenerate(AdminRequest r) throws GatewayException {
        Fields f = r.fields();
        String given = f.requiredString("key");
        String chosen = chosenKey(f, "new_key");
        KeyInput in = KeyInput.read(f);
        KeyRow current = find(given);
        String key = chosen == null ? m.keyGenerator().next() : chosen;
        String newHash = KeyHash.of(key);
        if (chosen != null && m.stores().keys().findByHash(newHash).isPresent()) {
            throw Fields.bad("new_key", "is already a stored key; choose another value");
        }
        KeyRow changed = in.changesAnything() ? change(current, in) : current;
        Optional<KeyRow> rotated;
        try {
            rotated = m.stores().keys().regenerate(changed.token(), newHash, KeyHash.masked(key));
        } catch (StoreException e) {
            throw conflict(e, null, "new_key");
        }
        m.invalidation().key(current.token());
        m.invalidation().key(newHash);
        KeyRow row = rotated.orElseThrow(() -> notFound(given)); // deleted meanwhile
        return KeyJson.generated(key, row);
    }

    private JsonNode block(AdminRequest r, boolean blocked) throws GatewayException {
        String given = r.fields().requiredString("key");
        KeyRow row = m.stores().keys().setBlocked(hashOf(given), blocked).orElseThrow(() -> notFound(given));
        m.invalidation().key(row.token());
        return KeyJson.fields(row, liveSpend(row));
    }

    /** Applies an update to a stored key, after the same checks as a new key's. */
    private KeyRow change(KeyRow current, KeyInput in) throws GatewayException {
        KeyRow next =
                in.apply(current, current.token(), current.keyName(), m.clock().instant());
        if (in.keyAlias().present()) {
            checkAlias(next.keyAlias(), current.token());
        }
        checkReferences(in, next);
        Optional<KeyRow> stored;
        try {
            stored = m.stores().keys().update(next);
        } catch (StoreException e) {
            throw conflict(e, next.keyAlias(), null);
        }
        m.invalidation().key(current.token());
        return stored.orElseThrow(() -> notFound(current.token())); // deleted meanwhile
    }

    private void checkAlias(String alias, String ownToken) throws GatewayException {
        if (alias == null) {
            return;
        }
        Optional<KeyRow> holder = m.stores().keys().findByAlias(alias);
        if (holder.isPresent() && !holder.get().token().equals(ownToken)) {
            throw Fields.bad("key_alias", "\"" + alias + "\" is already used by another key; aliases are unique");
        }
    }

    /**
     * The ids a key names must exist, its models must be within its team's, and its organization must be its
     * team's: the request path trusts all three (SPEC §8: a team's {@code models} bounds its keys').
     */
    private void checkReferences(KeyInput in, KeyRow key) throws GatewayException {
        if (in.userId().present()
                && key.userId() != null
                && m.stores().users().find(key.userId()).isEmpty()) {
            throw Fields.bad("user_id", "names no user ('" + key.userId() + "'); create it with POST /user/new first");
        }
        if (in.organizationId().present()
                && key.organizationId() != null
                && m.stores().organizations().find(key.organizationId()).isEmpty()) {
            throw Fields.bad(
                    "organization_id",
                    "names no organization ('" + key.organizationId() + "'); create it with POST /organization/new"
                            + " first");
        }
        if (key.teamId() == null) {
            return;
        }
        Optional<TeamRow> found = m.stores().teams().find(key.teamId());
        if (found.isEmpty()) {
            if (in.teamId().present()) {
                throw Fields.bad(
                        "team_id", "names no team ('" + key.teamId() + "'); create it with POST /team/new first");
            }
            return; // the stored team is gone; the key was not moved, so this change is not the place to refuse
        }
        TeamRow team = found.get();
        boolean moved = in.teamId().present() || in.organizationId().present();
        if (moved
                && key.organizationId() != null
                && team.organizationId() != null
                && !team.organizationId().equals(key.organizationId())) {
            throw Fields.bad(
                    "organization_id",
                    "is '" + key.organizationId() + "' but team '" + team.teamId() + "' belongs to organization '"
                            + team.organizationId() + "'");
        }
        if (!(moved || in.models().present()) || team.models().isEmpty()) {
            return;
        }
        for (String any : ANY_MODEL) {
            if (team.models().contains(any)) {
                return;
            }
        }
        List<String> outside = key.models().stream()
                .filter(model ->
                        !model.equals("all-team-models") && !team.models().contains(model))
                .toList();
        if (!outside.isEmpty()) {
            throw Fields.bad(
                    "models",
                    "has " + String.join(", ", outside) + ", which team '" + team.teamId() + "' does not allow"
                            + " (the team's models: " + String.join(", ", team.models()) + ")");
        }
    }

    /** A list of at most one key, found by hash or alias, with the other filters applied. */
    private Page<KeyRow> one(String keyHash, String keyAlias, String userId, String teamId, int page, int size) {
        KeyStore store = m.stores().keys();
        Optional<KeyRow> found = keyHash != null ? store.findByHash(keyHash) : store.findByAlias(keyAlias);
        List<KeyRow> rows = found.stream()
                .filter(k -> keyAlias == null || keyAlias.equals(k.keyAlias()))
                .filter(k -> userId == null || userId.equals(k.userId()))
                .filter(k -> teamId == null || teamId.equals(k.teamId()))
                .toList();
        return new Page<>(page == 1 ? rows : List.of(), rows.size(), page, size);
    }

    /**
     * What the key has spent in its current period: the ledger's count (settled and in flight, within a second of
     * the request) rather than the stored spend, which the spend log writer updates in batches.
     */
    private double liveSpend(KeyRow row) {
        if (m.ledger() == null) {
            return row.budget().spend();
        }
        Principal alone = new Principal(row, null, null, null);
        return Nanos.toUsd(
                m.ledger().spent(BudgetScopes.of(alone, m.clock().instant()).get(0)));
    }

    private KeyRow find(String given) throws GatewayException {
        return m.stores().keys().findByHash(hashOf(given)).orElseThrow(() -> notFound(given));
    }

    /** Admins with a key that may read (or the master key) may read any key's info; anyone else only their own. */
    private static boolean readsAnyKey(Caller caller) {
        return caller.master()
                || (caller.admin() && READING.contains(caller.principal().key().keyType()));
    }

    /** A key is sent as itself or as its SHA-256 hex, which is how it is stored. */
    static String hashOf(String given) {
        return KeyHash.looksLikeHash(given) ? given.toLowerCase(java.util.Locale.ROOT) : KeyHash.of(given);
    }

    /** How an error names a key it was sent: a hash as it is, a key only masked. */
    private static String shown(String given) {
        return KeyHash.looksLikeHash(given) ? given : KeyHash.masked(given);
    }

    private static GatewayException notFound(String given) {
        return GatewayException.notFound(
                "No key matches '" + shown(given) + "'. GET /key/list shows the keys there are.");
    }

    /** A key value the caller chose; null when none was sent. */
    private static String chosenKey(Fields f, String name) throws GatewayException {
        String v = f.string(name).apply(null);
        if (v == null) {
            return null;
        }
        if (!v.startsWith("sk-") || v.length() < 8 || v.chars().anyMatch(Character::isWhitespace)) {
            // the prefix tells a key from a key hash, which every route also takes
            throw Fields.bad(name, "must start with sk-, be at least 8 characters and have no spaces");
        }
        return v;
    }

    /** A uniqueness conflict the pre-checks could not see (a concurrent write) as the 400 naming its field. */
    private static GatewayException conflict(StoreException e, String alias, String keyField) {
        if (!e.conflict()) {
            throw e;
        }
        if (alias != null && e.getMessage().contains("key_alias")) {
            return Fields.bad("key_alias", "\"" + alias + "\" is already used by another key; aliases are unique");
        }
        return keyField == null
                ? GatewayException.invalidRequest(null, "conflict", e.getMessage())
                : Fields.bad(keyField, "is already a stored key; choose another value");
    }

    private static boolean flag(Map<String, String> q, String name) throws GatewayException {
        String v = Query.string(q, name);
        if (v == null) {
            return false;
        }
        return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw Fields.bad(name, "must be true or false");
        };
    }

    private static String quoted(List<String> values) {
        return "'" + String.join("', '", values) + "'";
    }
}
