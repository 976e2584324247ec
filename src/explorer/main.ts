/** The explorer page's entry: wiring only (everything it does is in app.ts and views/). */
import { startExplorer } from "./app.ts";

startExplorer();
