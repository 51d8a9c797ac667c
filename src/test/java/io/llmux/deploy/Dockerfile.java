package io.llmux.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.llmux.wire.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The instructions of a Dockerfile, continuation lines joined and comments dropped, as the builder reads them. Enough
 * for {@link DockerfileTest} to check what SPEC §11 asks without a Docker daemon.
 */
record Dockerfile(List<Instruction> instructions) {

    record Instruction(String keyword, String arguments) {
        /** The first argument: a COPY's source, a USER's {@code uid[:gid]}. */
        String firstWord() {
            int space = arguments.indexOf(' ');
            return space < 0 ? arguments : arguments.substring(0, space);
        }

        /** The user of a USER instruction, without its group. */
        String userId() {
            int colon = arguments.indexOf(':');
            return colon < 0 ? arguments : arguments.substring(0, colon);
        }

        /** The exec form's words ({@code ["java", "-jar", ...]}); fails on the shell form. */
        List<String> execForm() {
            // HEALTHCHECK's options come before its CMD
            int cmd = arguments.indexOf("CMD [");
            String json = cmd >= 0 ? arguments.substring(cmd + 4) : arguments;
            if (!json.startsWith("[")) {
                throw new IllegalStateException(keyword + " is in shell form: " + arguments);
            }
            try {
                return Json.MAPPER.readValue(json, new TypeReference<List<String>>() {});
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(keyword + " is not a JSON array: " + arguments, e);
            }
        }
    }

    static Dockerfile read(Path file) throws IOException {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && pending.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String text = pending.toString().strip();
            pending.setLength(0);
            if (text.isEmpty()) {
                continue;
            }
            int space = text.indexOf(' ');
            instructions.add(new Instruction(
                    text.substring(0, space).toUpperCase(Locale.ROOT),
                    text.substring(space + 1).strip().replaceAll("\\s+", " ")));
        }
        return new Dockerfile(List.copyOf(instructions));
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Instruction only(String keyword) {
        List<Instruction> found = all(keyword);
        if (found.size() != 1) {
            throw new IllegalStateException(found.size() + " " + keyword + " instructions, expected one");
        }
        return found.get(0);
    }

    /** The instructions of the last stage: what the image that runs is made of. */
    List<Instruction> finalStage() {
        int last = 0;
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).keyword().equals("FROM")) {
                last = i;
            }
        }
        return instructions.subList(last, instructions.size());
    }
}
