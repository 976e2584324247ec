// dive's efficiency figures, worked by hand from dive's formulas (filetree.Efficiency and
// image.Analyze, read in wagoodman/dive), on a small umoci image; and the reclaimable bytes beside them.
import { assertEquals } from "@std/assert";
import { test } from "../harness.ts";
import { imageEfficiency } from "../../src/core/image_efficiency.ts";
import { buildWasteful, layoutImage } from "./_images.ts";

test("imageEfficiency() gives dive's figures worked by hand, and the bytes a squash reclaims", async () => {
  const layout = buildWasteful();
  const { layers } = await layoutImage(layout, "w");
  const result = await imageEfficiency(layers.layers.map((_, i) => layers.entries(i)));
  // Leaves per layer: x 100, d/y 50, z 10 | x 100 | .wh.d → d, a directory holding 50 | .wh.z → z,
  // a file: 0 | x 30. Per path (sum, smallest): x (230, 30) ×3, d/y (50, 50), z (10, 0) ×2, d (50, 50).
  assertEquals(result.efficiency, (30 + 50 + 0 + 50) / (230 + 50 + 10 + 50));
  assertEquals(result.inefficientFiles, [
    { path: "x", count: 3, wastedBytes: 230 },
    { path: "z", count: 2, wastedBytes: 10 },
  ]);
  assertEquals(result.wastedBytes, 240);
  // Every layer but the first: 100 + 0 + 0 + 30 bytes of entries.
  assertEquals([result.sizeBytes, result.userSizeBytes], [290, 130]);
  assertEquals(result.userWastedPercent, 240 / 130);
  // Stored 290 bytes of files, the merged filesystem shows x's 30: 100 + 100 + 50 + 10 reclaimable.
  assertEquals(result.reclaimableBytes, 260);

  const { layers: one } = await layoutImage(layout, "one");
  const single = await imageEfficiency([one.entries(0)]);
  assertEquals([single.efficiency, single.wastedBytes, single.reclaimableBytes], [1, 0, 0]);
  // dive divides by the user size, 0 for one layer: Go's 0/0.
  assertEquals(Number.isNaN(single.userWastedPercent), true);
});
