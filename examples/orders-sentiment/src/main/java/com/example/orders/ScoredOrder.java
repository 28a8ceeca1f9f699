package com.example.orders;

import java.util.List;

/** An order with what the model found in its comment (topic {@code scored-orders}). */
public record ScoredOrder(Order order, String sentiment, float score, List<String> products) {
}
