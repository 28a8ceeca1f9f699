package com.example.orders;

/** An order as the shop writes it to topic {@code orders} (JSON, keyed by customer id). */
public record Order(String orderId, String customerId, String comment, double amount) {
}
