/** Which namespaces of a containerd root hold images: the hint for a namespace that holds none. */
import { readBolt } from "../adapters/_bbolt.ts";
import { nodeFiles } from "../runtime/node_files.ts";

/**
 * The namespaces of the containerd root at `root` that have at least one image, in bbolt's order.
 *
 * @param root The containerd root directory.
 * @returns The namespace names.
 */
export async function namespacesWithImages(root: string): Promise<string[]> {
  const snapshot = await readBolt(nodeFiles(root), "io.containerd.metadata.v1.bolt/meta.db");
  const names: string[] = [];
  for (const entry of snapshot.root.bucket("v1")?.entries() ?? []) {
    const images = entry.bucket?.bucket("images");
    if (images && !images.entries().next().done) names.push(new TextDecoder().decode(entry.key));
  }
  return names;
}
