package com.example.orders;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.streambert.streams.dsl.Enrichment;
import org.streambert.streams.dsl.NlpStep;
import org.streambert.streams.dsl.NlpStepResult;

/**
 * The shop's topology: orders (keyed by customer) → sentiment of the comment → scored orders, and a running count of
 * unhappy orders per customer; orders whose comment cannot be scored go to {@code orders-dlq} as they came.
 */
public final class OrdersTopology {

  public static final String ORDERS = "orders";
  public static final String SCORED = "scored-orders";
  public static final String UNHAPPY_COUNTS = "unhappy-orders-per-customer";
  public static final String DEAD_LETTERS = "orders-dlq";
  public static final JsonSerde<Order> ORDER_SERDE = new JsonSerde<>(Order.class);
  public static final JsonSerde<ScoredOrder> SCORED_SERDE = new JsonSerde<>(ScoredOrder.class);

  private OrdersTopology() {
  }

  /** The step the topology runs: the comment is the text, the order id the record id. */
  public static NlpStep.Builder<String, Order> sentimentStep() {
    return NlpStep.<String, Order>builder("sentiment")
        .serdes(Serdes.String(), ORDER_SERDE)
        .text(Order::comment)
        .id(Order::orderId);
  }

  /** The topology around {@code sentiment} (built from {@link #sentimentStep()} with a model source). */
  public static Topology build(NlpStep<String, Order, ScoredOrder> sentiment) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Order> orders = builder.stream(ORDERS, Consumed.with(Serdes.String(), ORDER_SERDE))
        .filter((customer, order) -> order == null || order.amount() > 0, Named.as("paid-orders"));
    NlpStepResult<String, Order, ScoredOrder> result = sentiment.apply(builder, orders);
    result.enriched().to(SCORED, Produced.with(Serdes.String(), SCORED_SERDE));
    result.deadLetters().to(DEAD_LETTERS, Produced.with(Serdes.String(), ORDER_SERDE));
    result.enriched()
        .filter((customer, scored) -> "neg".equals(scored.sentiment()), Named.as("unhappy"))
        .groupByKey(Grouped.with("unhappy-by-customer", Serdes.String(), SCORED_SERDE))
        .count(Materialized.as("unhappy-counts"))
        .toStream(Named.as("unhappy-count-changes"))
        .to(UNHAPPY_COUNTS, Produced.with(Serdes.String(), Serdes.Long()));
    return builder.build();
  }

  /** What the step makes of an order and its enrichment. */
  public static ScoredOrder score(Order order, Enrichment e) {
    return new ScoredOrder(order, e.label(), e.score(),
        e.entities().stream().filter(x -> x.type().equals("PRODUCT")).map(x -> x.text()).toList());
  }
}
