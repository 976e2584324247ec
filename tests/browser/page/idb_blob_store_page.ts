// The IndexedDB blob store passes the BlobStore contract every store shares (the disk cache too).
import { blobStoreContract } from "../../adapters/blob_store_contract.ts";
import { idbBlobStore } from "../../../src/adapters/idb_cache.ts";

let stores = 0;
blobStoreContract(
  "IndexedDB",
  () => Promise.resolve(idbBlobStore({ name: `ocistore-contract-${Date.now()}-${++stores}` })),
);
