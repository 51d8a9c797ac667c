package io.llmux.store;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param page 1-based, as {@code /key/list?page=} counts
 * @param total rows matching the filter on every page
 */
public record Page<T>(List<T> rows, long total, int page, int size) {
    public Page {
        rows = List.copyOf(rows);
    }

    public int totalPages() {
        return size <= 0 ? 0 : (int) ((total + size - 1) / size);
    }

    /** Checks a requested page and size, so a bad query parameter is the caller's 400, not an SQL error. */
    static void check(int page, int size) {
        if (page < 1) {
            throw new IllegalArgumentException("page must be 1 or more, not " + page);
        }
        if (size < 1) {
            throw new IllegalArgumentException("size must be 1 or more, not " + size);
        }
    }
}
