package io.llmux.spend;

import io.llmux.store.SpendLogRow;
import java.util.List;

/** Where the spend writer's batches go: the database, in one transaction per batch. */
@FunctionalInterface
public interface SpendSink {
    /**
     * Stores a batch. Must be idempotent by request id: after a failure the same batch is offered again.
     *
     * @param catchingUp more rows wait behind this batch (the gateway is producing them faster than they are
     *     written, or spilled rows are being replayed): the sink should use its thread's CPU share in one go rather
     *     than give it up between chunks to keep requests' latency low
     * @return how many rows were new
     * @throws Exception any failure; the batch is kept and offered again later
     */
    int write(List<SpendLogRow> batch, boolean catchingUp) throws Exception;
}
