package io.llmux.telemetry.tracing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.llmux.wire.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The model and finish reasons of a whole OpenAI-shaped answer, read with the streaming parser: message contents are
 * skipped, never copied, since they must not reach a span anyway.
 */
record AnswerFields(String model, List<String> finishReasons) {
    static final AnswerFields NONE = new AnswerFields(null, List.of());

    static AnswerFields read(byte[] body) {
        String model = null;
        List<String> reasons = new ArrayList<>(1);
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("model") && value == JsonToken.VALUE_STRING) {
                    model = p.getText();
                } else if (field.equals("choices") && value == JsonToken.START_ARRAY) {
                    readChoices(p, reasons);
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // an answer the client gets as is; the span just goes without these two attributes
            return NONE;
        }
        return new AnswerFields(model, List.copyOf(reasons));
    }

    private static void readChoices(JsonParser p, List<String> reasons) throws IOException {
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("finish_reason") && value == JsonToken.VALUE_STRING) {
                    reasons.add(p.getText());
                } else {
                    p.skipChildren();
                }
            }
        }
    }
}
