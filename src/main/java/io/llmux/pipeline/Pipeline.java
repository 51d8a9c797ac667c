package io.llmux.pipeline;

import io.llmux.GatewayException;
import java.util.List;

/**
 * The ordered stages of the request path. Each stage gets a chain for the rest; the chain refuses a second call
 * or a null reply, naming the stage, because either is a bug that would answer a client twice or not at all.
 */
public final class Pipeline {
    private final List<Stage> stages;

    public Pipeline(List<Stage> stages) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs at least one stage");
        }
        this.stages = List.copyOf(stages);
    }

    public Reply handle(Exchange ex) throws GatewayException {
        return new Link(0).proceed(ex);
    }

    /** Names of the stages in order, for the start-up banner. */
    public List<String> stageNames() {
        return stages.stream().map(Stage::name).toList();
    }

    private final class Link implements Chain {
        private final int index;
        private boolean called;

        Link(int index) {
            this.index = index;
        }

        @Override
        public Reply proceed(Exchange ex) throws GatewayException {
            String caller =
                    index == 0 ? "the server" : "stage " + stages.get(index - 1).name();
            if (called) {
                throw new IllegalStateException(caller + " called the chain twice");
            }
            called = true;
            if (index == stages.size()) {
                throw new IllegalStateException(caller + " is the last stage but called the chain");
            }
            Stage stage = stages.get(index);
            Reply reply = stage.handle(ex, new Link(index + 1));
            if (reply == null) {
                throw new IllegalStateException("stage " + stage.name() + " returned no reply");
            }
            return reply;
        }
    }
}
