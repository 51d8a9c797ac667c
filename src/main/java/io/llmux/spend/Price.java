package io.llmux.spend;

/**
 * What one model's tokens cost, in USD per million tokens.
 *
 * @param cachedInput the price of a prompt token served from the provider's prompt cache; null when the provider
 *     has no separate price for it, so such a token costs {@code input}
 */
public record Price(double input, double output, Double cachedInput) {

    public Price {
        if (!(input >= 0) || !(output >= 0) || (cachedInput != null && !(cachedInput >= 0))) {
            throw new IllegalArgumentException(
                    "prices must be zero or more: " + input + ", " + output + ", " + cachedInput);
        }
    }

    /** The price of a cached prompt token: its own when the provider has one, else the input price. */
    public double cachedInputOrInput() {
        return cachedInput == null ? input : cachedInput;
    }
}
