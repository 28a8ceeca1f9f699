#!/usr/bin/python3
"""Reference forward passes of BERT, RoBERTa (XLM-R, CamemBERT), DistilBERT and ELECTRA in PyTorch, the correctness
oracle of the Java graphs (FamilyOracleTest). Written from the public Hugging Face transformers modeling files
(modeling_bert.py, modeling_roberta.py, modeling_distilbert.py, modeling_electra.py): their parameter names, layouts
and arithmetic, re-stated here without the transformers package (which this machine does not have).

Usage: reference_forward.py OUT_DIR
  writes one Hugging Face model directory per case under OUT_DIR (config.json with id2label, model.safetensors with
  random weights under the family's names, vocab.txt) and OUT_DIR/<case>/expected.json: the input ids and attention
  mask it ran, the head's logits and the last hidden state.
Usage: reference_forward.py --run MODEL_DIR INPUT_JSON OUTPUT_JSON
  reads a Hugging Face directory (e.g. one the Java side exported) and runs it on INPUT_JSON's input_ids and
  attention_mask, writing logits and last_hidden_state.
Needs torch and numpy (Debian: python3-torch, python3-numpy).
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float32)

VOCAB = 60
HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 64
POSITIONS = 40
EMBEDDING = 16  # ELECTRA's embedding_size, narrower than HIDDEN
LABELS = ["neg", "neu", "pos"]
TOKEN_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


# ---- safetensors: 8-byte little-endian header length, JSON header, raw little-endian data ----------------------

def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", name + " is " + meta["dtype"]
        a, b = meta["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"]).copy())
    return out


def run(model_dir, input_json, output_json):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(input_json) as f:
        given = json.load(f)
    family = cfg["model_type"]
    arch = cfg["architectures"][0]
    head = "token" if arch.endswith("ForTokenClassification") else "qa" if arch.endswith("QuestionAnswering") \
        else "sequence"
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    with torch.no_grad():
        seq, logits = forward(family, head, cfg, w, torch.tensor(given["input_ids"]),
                              torch.tensor(given["attention_mask"]))
    with open(output_json, "w") as f:
        json.dump({"logits": logits.numpy().astype(float).tolist(),
                   "last_hidden_state": seq.numpy().astype(float).tolist()}, f)


# ---- building blocks as in the modeling files ---------------------------------------------------------------------

def linear(w, name, x):
    # nn.Linear: weight [out, in], y = x @ W^T + b
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def layer_norm(w, name, x, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w[name + ".weight"], w[name + ".bias"], eps)


def gelu(x):
    # ACT2FN["gelu"]: the exact erf form
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def attention(q, k, v, mask, heads):
    b, t, h = q.shape
    d = h // heads

    def split(x):
        return x.view(b, t, heads, d).permute(0, 2, 1, 3)  # [B, N, T, D]

    scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d)  # [B, N, T, T]
    # get_extended_attention_mask: (1 - mask) * finfo.min added to the scores of padded keys
    scores = scores + (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    probs = torch.softmax(scores, dim=-1)
    context = probs @ split(v)  # [B, N, T, D]
    return context.permute(0, 2, 1, 3).reshape(b, t, h)


def bert_like_encoder(w, p, cfg, ids, mask, family):
    """BertModel / RobertaModel / ElectraModel (modeling_bert.py, modeling_roberta.py, modeling_electra.py)."""
    eps = cfg["layer_norm_eps"]
    if family in ("roberta", "xlm-roberta", "camembert"):
        # create_position_ids_from_input_ids: padding_idx + cumulative count of non-padding tokens; pads keep it
        pad = cfg["pad_token_id"]
        not_pad = ids.ne(pad).int()
        position_ids = (torch.cumsum(not_pad, dim=1) * not_pad).long() + pad
    else:
        position_ids = torch.arange(ids.shape[1])[None, :].expand_as(ids)
    token_types = torch.zeros_like(ids)
    x = (w[p + "embeddings.word_embeddings.weight"][ids]
         + w[p + "embeddings.token_type_embeddings.weight"][token_types]
         + w[p + "embeddings.position_embeddings.weight"][position_ids])
    x = layer_norm(w, p + "embeddings.LayerNorm", x, eps)
    if family == "electra" and cfg["embedding_size"] != cfg["hidden_size"]:
        x = linear(w, p + "embeddings_project", x)
    for i in range(cfg["num_hidden_layers"]):
        lp = p + "encoder.layer.%d." % i
        ctx = attention(linear(w, lp + "attention.self.query", x), linear(w, lp + "attention.self.key", x),
                        linear(w, lp + "attention.self.value", x), mask, cfg["num_attention_heads"])
        att = layer_norm(w, lp + "attention.output.LayerNorm", linear(w, lp + "attention.output.dense", ctx) + x, eps)
        inner = gelu(linear(w, lp + "intermediate.dense", att))
        x = layer_norm(w, lp + "output.LayerNorm", linear(w, lp + "output.dense", inner) + att, eps)
    return x


def distilbert_encoder(w, p, cfg, ids, mask):
    """DistilBertModel (modeling_distilbert.py): no token types, LayerNorm eps 1e-12, its own layer names."""
    position_ids = torch.arange(ids.shape[1])[None, :].expand_as(ids)
    x = w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.position_embeddings.weight"][position_ids]
    x = layer_norm(w, p + "embeddings.LayerNorm", x, 1e-12)
    for i in range(cfg["n_layers"]):
        lp = p + "transformer.layer.%d." % i
        ctx = attention(linear(w, lp + "attention.q_lin", x), linear(w, lp + "attention.k_lin", x),
                        linear(w, lp + "attention.v_lin", x), mask, cfg["n_heads"])
        sa = layer_norm(w, lp + "sa_layer_norm", linear(w, lp + "attention.out_lin", ctx) + x, 1e-12)
        ffn = linear(w, lp + "ffn.lin2", gelu(linear(w, lp + "ffn.lin1", sa)))
        x = layer_norm(w, lp + "output_layer_norm", ffn + sa, 1e-12)
    return x


def forward(family, head, cfg, w, ids, mask):
    prefix = {"bert": "bert.", "roberta": "roberta.", "xlm-roberta": "roberta.", "camembert": "roberta.",
              "distilbert": "distilbert.", "electra": "electra."}[family]
    if family == "distilbert":
        seq = distilbert_encoder(w, prefix, cfg, ids, mask)
    else:
        seq = bert_like_encoder(w, prefix, cfg, ids, mask, family)
    if head == "token":
        return seq, linear(w, "classifier", seq)  # [B, T, K]
    if head == "qa":
        return seq, linear(w, "qa_outputs", seq)  # [B, T, 2]: start and end logits
    first = seq[:, 0]  # [B, H]: [CLS] / <s>
    if family == "bert":
        logits = linear(w, "classifier", torch.tanh(linear(w, prefix + "pooler.dense", first)))  # BertPooler
    elif family in ("roberta", "xlm-roberta", "camembert"):
        logits = linear(w, "classifier.out_proj", torch.tanh(linear(w, "classifier.dense", first)))
    elif family == "electra":
        logits = linear(w, "classifier.out_proj", gelu(linear(w, "classifier.dense", first)))
    else:
        logits = linear(w, "classifier", torch.relu(linear(w, "pre_classifier", first)))
    return seq, logits


# ---- random models under each family's names --------------------------------------------------------------------

def config_of(family, head):
    labels = LABELS if head == "sequence" else TOKEN_LABELS
    suffix = {"sequence": "ForSequenceClassification", "token": "ForTokenClassification",
              "qa": "ForQuestionAnswering"}[head]
    arch_prefix = {"bert": "Bert", "roberta": "Roberta", "xlm-roberta": "XLMRoberta", "camembert": "Camembert",
                   "distilbert": "DistilBert", "electra": "Electra"}[family]
    arch = arch_prefix + suffix
    cfg = {"architectures": [arch], "model_type": family,
           "id2label": {str(i): l for i, l in enumerate(labels)}, "label2id": {l: i for i, l in enumerate(labels)},
           "vocab_size": VOCAB, "initializer_range": 0.02}
    if family == "distilbert":
        cfg.update({"dim": HIDDEN, "n_layers": LAYERS, "n_heads": HEADS, "hidden_dim": INTERMEDIATE,
                    "activation": "gelu", "max_position_embeddings": POSITIONS, "pad_token_id": 0,
                    "dropout": 0.1, "attention_dropout": 0.1, "seq_classif_dropout": 0.2})
        return cfg
    cfg.update({"hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
                "intermediate_size": INTERMEDIATE, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
                "attention_probs_dropout_prob": 0.1})
    if family in ("roberta", "xlm-roberta", "camembert"):
        cfg.update({"max_position_embeddings": POSITIONS + 2, "type_vocab_size": 1, "layer_norm_eps": 1e-5,
                    "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2})
    else:
        cfg.update({"max_position_embeddings": POSITIONS, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                    "pad_token_id": 0})
    if family == "electra":
        cfg["embedding_size"] = EMBEDDING
    return cfg


def random_weights(family, head, cfg, rng):
    w = {}

    def lin(name, out_dim, in_dim):
        w[name + ".weight"] = rng.normal(0, 0.2, (out_dim, in_dim))
        w[name + ".bias"] = rng.normal(0, 0.1, (out_dim,))

    def norm(name, dim):
        w[name + ".weight"] = 1 + rng.normal(0, 0.1, (dim,))
        w[name + ".bias"] = rng.normal(0, 0.1, (dim,))

    labels = len(cfg["id2label"])
    if family == "distilbert":
        p = "distilbert."
        w[p + "embeddings.word_embeddings.weight"] = rng.normal(0, 0.5, (VOCAB, HIDDEN))
        w[p + "embeddings.position_embeddings.weight"] = rng.normal(0, 0.5, (POSITIONS, HIDDEN))
        norm(p + "embeddings.LayerNorm", HIDDEN)
        for i in range(LAYERS):
            lp = p + "transformer.layer.%d." % i
            for m in ("q_lin", "k_lin", "v_lin", "out_lin"):
                lin(lp + "attention." + m, HIDDEN, HIDDEN)
            norm(lp + "sa_layer_norm", HIDDEN)
            lin(lp + "ffn.lin1", INTERMEDIATE, HIDDEN)
            lin(lp + "ffn.lin2", HIDDEN, INTERMEDIATE)
            norm(lp + "output_layer_norm", HIDDEN)
        if head == "qa":
            lin("qa_outputs", 2, HIDDEN)
            return {k: v.astype(np.float32) for k, v in w.items()}
        if head == "sequence":
            lin("pre_classifier", HIDDEN, HIDDEN)
        lin("classifier", labels, HIDDEN)
        return {k: v.astype(np.float32) for k, v in w.items()}
    p = {"bert": "bert.", "electra": "electra."}.get(family, "roberta.")
    e = cfg.get("embedding_size", HIDDEN)
    w[p + "embeddings.word_embeddings.weight"] = rng.normal(0, 0.5, (VOCAB, e))
    w[p + "embeddings.position_embeddings.weight"] = rng.normal(0, 0.5, (cfg["max_position_embeddings"], e))
    w[p + "embeddings.token_type_embeddings.weight"] = rng.normal(0, 0.5, (cfg["type_vocab_size"], e))
    norm(p + "embeddings.LayerNorm", e)
    if family == "electra":
        lin(p + "embeddings_project", HIDDEN, e)
    for i in range(LAYERS):
        lp = p + "encoder.layer.%d." % i
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            lin(lp + m, HIDDEN, HIDDEN)
        norm(lp + "attention.output.LayerNorm", HIDDEN)
        lin(lp + "intermediate.dense", INTERMEDIATE, HIDDEN)
        lin(lp + "output.dense", HIDDEN, INTERMEDIATE)
        norm(lp + "output.LayerNorm", HIDDEN)
    if head == "qa":
        lin("qa_outputs", 2, HIDDEN)
    elif head == "token":
        lin("classifier", labels, HIDDEN)
    elif family == "bert":
        lin(p + "pooler.dense", HIDDEN, HIDDEN)
        lin("classifier", labels, HIDDEN)
    else:
        lin("classifier.dense", HIDDEN, HIDDEN)  # RobertaClassificationHead / ElectraClassificationHead
        lin("classifier.out_proj", labels, HIDDEN)
    return {k: v.astype(np.float32) for k, v in w.items()}


def inputs(cfg, rng):
    """Three rows of 9 tokens with 9, 6 and 3 real ones; padding carries the pad id and mask 0."""
    pad = cfg.get("pad_token_id", 0)
    lengths = [9, 6, 3]
    ids = np.full((3, 9), pad, dtype=np.int64)
    mask = np.zeros((3, 9), dtype=np.int64)
    for r, n in enumerate(lengths):
        ids[r, :n] = rng.integers(5, VOCAB, n)
        ids[r, 0] = 2 if pad == 0 else 0  # [CLS] / <s>
        mask[r, :n] = 1
    return ids, mask


CASES = [("bert", "sequence"), ("roberta", "sequence"), ("roberta", "token"), ("xlm-roberta", "sequence"),
         ("camembert", "token"), ("distilbert", "sequence"), ("distilbert", "token"), ("electra", "sequence"),
         ("electra", "token"), ("roberta", "qa"), ("distilbert", "qa"), ("electra", "qa")]


def main(out):
    rng = np.random.default_rng(31)
    for family, head in CASES:
        d = os.path.join(out, family + "-" + head)
        os.makedirs(d, exist_ok=True)
        cfg = config_of(family, head)
        w = random_weights(family, head, cfg, rng)
        write_safetensors(os.path.join(d, "model.safetensors"), w)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        with open(os.path.join(d, "vocab.txt"), "w") as f:
            f.write("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
                              + ["w%d" % i for i in range(VOCAB - 5)]) + "\n")
        ids, mask = inputs(cfg, rng)
        tw = {k: torch.from_numpy(v) for k, v in w.items()}
        with torch.no_grad():
            seq, logits = forward(family, head, cfg, tw, torch.from_numpy(ids), torch.from_numpy(mask))
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump({"family": family, "head": head, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                       "logits": logits.numpy().astype(float).tolist(),
                       "last_hidden_state": seq.numpy().astype(float).tolist()}, f)
    print("wrote %d cases to %s (torch %s)" % (len(CASES), out, torch.__version__))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 2:
        main(sys.argv[1])
    else:
        sys.exit(__doc__)
