package io.llmux.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import io.llmux.GatewayException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Renders the one error shape of SPEC §4, {@code {"error":{"message","type","param","code"}}}, for JSON answers and
 * for SSE error events alike. {@code param} and {@code code} are always present, null when not applicable, because
 * SDKs read them unconditionally.
 */
public final class ErrorBody {
    private ErrorBody() {}

    public static byte[] render(GatewayException e) {
        return render(e.getMessage(), e.type(), e.param(), e.code());
    }

    public static byte[] render(String message, String type, String param, String code) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + (message == null ? 0 : message.length()));
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message == null ? "" : message);
            g.writeStringField("type", type);
            g.writeStringField("param", param);
            g.writeStringField("code", code);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
