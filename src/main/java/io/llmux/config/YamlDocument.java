package io.llmux.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Parses config text into a SnakeYAML node tree, never into objects: nodes keep their line numbers, and the loader
 * decides every type itself after {@code ${VAR}} substitution.
 */
final class YamlDocument {
    private static final int MAX_ALIASES = 50;
    private static final int MAX_DEPTH = 50;
    private static final int MAX_CODE_POINTS = 4 * 1024 * 1024;

    private YamlDocument() {}

    /** The document's root node, or null for an empty document or when the text is not YAML (reported). */
    static Node compose(String text, Findings findings) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CODE_POINTS);
        // merge keys (<<: *defaults) are resolved here; duplicate keys stay in the tree for the loader to report
        options.setMergeOnCompose(true);
        try {
            return new Composer(new ParserImpl(new StreamReader(text), options), new PlainScalars(), options)
                    .getSingleNode();
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            findings.problem("", line, "not valid YAML: " + e.getProblem() + context + hint(text, line));
        } catch (YAMLException e) {
            // the limits set above: aliases, nesting, size
            findings.problem("", 0, "refused: " + e.getMessage());
        }
        return null;
    }

    /** {@code api_key: ${KEY}} inside {@code { }} is a YAML error whose message alone would not explain it. */
    private static String hint(String text, int line) {
        String[] lines = text.split("\n", -1);
        boolean reference = line > 0 && line <= lines.length && lines[line - 1].contains("${");
        return reference ? "; inside { } or [ ], put a ${VAR} value in quotes" : "";
    }

    /**
     * Resolves only null ({@code ~}, {@code null}, empty) and merge keys; every other plain scalar stays a string.
     * YAML 1.1 would otherwise read {@code api_version: 2024-10-21} as a date and {@code on} as true.
     */
    private static final class PlainScalars extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
            addImplicitResolver(Tag.MERGE, MERGE, "<");
        }
    }
}
