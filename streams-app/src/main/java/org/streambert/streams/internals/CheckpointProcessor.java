package org.streambert.streams.internals;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.streambert.schemas.CheckpointKeys;
import org.streambert.schemas.avro.ModelCheckpoint;
import org.streambert.streams.model.CheckpointListener;

/**
 * Maintains the global checkpoint store (model name → latest PROMOTED ModelCheckpoint, model name +
 * {@link CheckpointKeys#CANDIDATE_SUFFIX} → latest CANDIDATE/RETIRED one) on every instance and tells the rollout
 * about each event; on start it hands the rollout the stored checkpoint of the followed model, so a restarted
 * instance loads the model it served before.
 */
public final class CheckpointProcessor implements Processor<String, ModelCheckpoint, Void, Void> {

  private final String storeName;
  private final String modelName;
  private final CheckpointListener listener;
  private KeyValueStore<String, ModelCheckpoint> store;

  public CheckpointProcessor(String storeName, String modelName, CheckpointListener listener) {
    this.storeName = storeName;
    this.modelName = modelName;
    this.listener = listener;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(storeName);
    ModelCheckpoint stored = store.get(modelName);
    if (stored != null) {
      listener.onCheckpoint(stored);
    }
    ModelCheckpoint candidate = store.get(CheckpointKeys.candidate(modelName));
    if (candidate != null) {
      listener.onCheckpoint(candidate); // the candidate in shadow (or its retirement) survives a restart too
    }
  }

  @Override
  public void process(Record<String, ModelCheckpoint> record) {
    ModelCheckpoint cp = record.value();
    String key = record.key() != null ? record.key() : cp == null ? null : cp.getModelName();
    if (key == null) {
      return;
    }
    if (cp == null) {
      store.delete(key);
      return;
    }
    store.put(key, cp);
    listener.onCheckpoint(cp);
  }
}
