package io.llmux.spend;

import io.llmux.store.SpendLogRow;
import java.util.List;

/** Where the spend writer's batches go: the database, in one transaction per batch. */
@FunctionalInterface
public interface SpendSink {
    /**
     * Stores a batch. Must be idempotent by request id: after a failure the same batch is offered again.
     *
     * @return how many rows were new
     * @throws Exception any failure; the batch is kept and offered again later
     */
    int write(List<SpendLogRow> batch) throws Exception;
}
