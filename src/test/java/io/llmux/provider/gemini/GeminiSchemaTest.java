package io.llmux.provider.gemini;

import static io.llmux.provider.gemini.GeminiTesting.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.llmux.provider.Failure;
import io.llmux.provider.ProviderFailure;
import org.junit.jupiter.api.Test;

/** JSON Schema into Gemini's schema subset: what is rewritten, what is dropped, what is refused. */
class GeminiSchemaTest {

    private static void converts(String jsonSchema, String gemini) throws ProviderFailure {
        assertThat(GeminiSchema.convert(tree(jsonSchema), "p")).isEqualTo(tree(gemini));
    }

    @Test
    void typesAreCapitalisedAndUnsupportedKeywordsDropped() throws ProviderFailure {
        converts("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","type":"object",
                 "additionalProperties":false,"title":"Person","description":"someone",
                 "properties":{"age":{"type":"integer","minimum":0,"exclusiveMaximum":150,"format":"int32"},
                   "height":{"type":"number","multipleOf":0.01,"format":"decimal"},
                   "born":{"type":"string","format":"date-time"},"email":{"type":"string","format":"email"},
                   "nick":{"type":"string","minLength":1,"maxLength":20,"pattern":"^[a-z]+$","examples":["ann"]},
                   "tags":{"type":"array","items":{"type":"string"},"minItems":1,"uniqueItems":true}},
                 "required":["age","missing"]}""", """
                {"type":"OBJECT","title":"Person","description":"someone",
                 "properties":{"age":{"type":"INTEGER","minimum":0,"format":"int32"},
                   "height":{"type":"NUMBER"},
                   "born":{"type":"STRING","format":"date-time"},"email":{"type":"STRING"},
                   "nick":{"type":"STRING","minLength":1,"maxLength":20,"pattern":"^[a-z]+$"},
                   "tags":{"type":"ARRAY","items":{"type":"STRING"},"minItems":1}},
                 "required":["age"]}""");
    }

    @Test
    void nullIsNullableWhetherInATypeListOrAnAnyOf() throws ProviderFailure {
        converts("{\"type\":[\"string\",\"null\"]}", "{\"type\":\"STRING\",\"nullable\":true}");
        converts(
                "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}],\"description\":\"count\"}",
                "{\"description\":\"count\",\"type\":\"INTEGER\",\"nullable\":true}");
    }

    @Test
    void severalTypesAndOneOfBecomeAnyOf() throws ProviderFailure {
        converts("{\"type\":[\"string\",\"integer\"]}", "{\"anyOf\":[{\"type\":\"STRING\"},{\"type\":\"INTEGER\"}]}");
        converts(
                "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"boolean\"}}}]}",
                "{\"anyOf\":[{\"type\":\"STRING\"},{\"type\":\"OBJECT\",\"properties\":{\"a\":{\"type\":\"BOOLEAN\"}}}]}");
    }

    @Test
    void allOfIsMerged() throws ProviderFailure {
        converts("""
                {"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
                          {"properties":{"b":{"type":"number"}},"required":["b"]}]}""", """
                {"type":"OBJECT","properties":{"a":{"type":"STRING"},"b":{"type":"NUMBER"}},"required":["a","b"]}""");
    }

    @Test
    void constAndStringEnumsAreEnumsOtherEnumsAreDropped() throws ProviderFailure {
        converts("{\"const\":\"yes\"}", "{\"type\":\"STRING\",\"enum\":[\"yes\"]}");
        converts("{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}", "{\"type\":\"STRING\",\"enum\":[\"a\",\"b\"]}");
        converts("{\"type\":\"integer\",\"enum\":[1,2]}", "{\"type\":\"INTEGER\"}");
    }

    @Test
    void localReferencesAreInlined() throws ProviderFailure {
        converts("""
                {"type":"object","properties":{"home":{"$ref":"#/definitions/place","description":"where"}},
                 "definitions":{"place":{"type":"object","properties":{"city":{"type":"string"}}}}}""", """
                {"type":"OBJECT","properties":{"home":{"type":"OBJECT","properties":{"city":{"type":"STRING"}},
                 "description":"where"}}}""");
    }

    @Test
    void aSchemaThatRefersToItselfIs400NamingTheField() {
        ProviderFailure f = catchThrowableOfType(
                ProviderFailure.class,
                () -> GeminiSchema.convert(
                        tree("{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":"
                                + "\"#/$defs/node\"}}}},\"$ref\":\"#/$defs/node\"}"),
                        "tools[0].function.parameters"));
        assertThat(f.kind()).isEqualTo(Failure.CALLER);
        assertThat(f.param()).isEqualTo("tools[0].function.parameters");
    }

    @Test
    void aMissingTypeIsInferredFromTheKeywords() throws ProviderFailure {
        converts("{\"properties\":{}}", "{\"type\":\"OBJECT\",\"properties\":{}}");
        converts("{\"items\":{\"type\":\"string\"}}", "{\"type\":\"ARRAY\",\"items\":{\"type\":\"STRING\"}}");
        converts("{}", "{}");
    }
}
