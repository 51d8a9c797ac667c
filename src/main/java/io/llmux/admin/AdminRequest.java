package io.llmux.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmux.auth.Caller;
import java.util.Map;

/**
 * One management call, already authenticated and parsed: what an endpoint needs, without HTTP.
 *
 * @param query decoded query parameters (the first value of each)
 * @param body the JSON body; an empty object for GET and for calls without a body
 */
public record AdminRequest(String method, String path, Map<String, String> query, JsonNode body, Caller caller) {
    public AdminRequest {
        query = Map.copyOf(query);
    }

    /** The request's fields, checked one by one as the endpoint reads them. */
    public Fields fields() {
        return new Fields(body);
    }
}
