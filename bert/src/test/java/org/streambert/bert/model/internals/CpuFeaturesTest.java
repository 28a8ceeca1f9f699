package org.streambert.bert.model.internals;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuFeaturesTest {

  @Test
  void shouldFindAvx512Bf16OrAmxBf16InTheFlagsLine(@TempDir Path dir) throws IOException {
    Path amx = dir.resolve("amx");
    Files.writeString(amx, "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu vme sse avx512f amx_bf16 amx_tile\n");
    Path avx = dir.resolve("avx");
    Files.writeString(avx, "processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n");
    assertTrue(CpuFeatures.read(amx).hasBf16());
    assertTrue(CpuFeatures.read(avx).hasBf16());
  }

  @Test
  void shouldReportNoBf16ForOtherCpusAndForMissingOrGarbageFiles(@TempDir Path dir) throws IOException {
    Path plain = dir.resolve("plain");
    Files.writeString(plain, "flags\t\t: fpu vme avx2 avx512f avx512_bf16x\n");
    Path garbage = dir.resolve("garbage");
    Files.write(garbage, new byte[] {(byte) 0xff, 0, 1, 2, '\n', 'f'});
    Path huge = dir.resolve("huge");
    Files.writeString(huge, "flags : " + "x ".repeat(100_000) + "avx512_bf16\n");
    assertFalse(CpuFeatures.read(plain).hasBf16());
    assertFalse(CpuFeatures.read(garbage).hasBf16());
    assertFalse(CpuFeatures.read(huge).hasBf16(), "an over-long flags line is not trusted");
    assertFalse(CpuFeatures.read(dir.resolve("missing")).hasBf16());
  }

  @Test
  void shouldFindAnInt8DotProductOnlyInVnniOrAmxInt8Flags(@TempDir Path dir) throws IOException {
    Path epyc = Files.writeString(dir.resolve("epyc"), "flags\t\t: fpu avx2 avx512f avx512_vnni avx512_bf16\n");
    Path alderLake = Files.writeString(dir.resolve("adl"), "flags\t\t: fpu avx2 avx_vnni\n");
    Path sapphireRapids = Files.writeString(dir.resolve("spr"), "flags\t\t: fpu avx512f amx_int8 amx_tile\n");
    Path skylake = Files.writeString(dir.resolve("skx"), "flags\t\t: fpu avx2 avx512f avx512bw avx512_vnnix\n");
    assertTrue(CpuFeatures.read(epyc).hasInt8Dot());
    assertTrue(CpuFeatures.read(alderLake).hasInt8Dot());
    assertTrue(CpuFeatures.read(sapphireRapids).hasInt8Dot());
    assertFalse(CpuFeatures.read(skylake).hasInt8Dot(), "AVX512-BW alone multiplies 8-bit values into 16 bits");
    assertFalse(CpuFeatures.read(dir.resolve("missing")).hasInt8Dot());
  }
}
