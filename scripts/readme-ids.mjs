#!/usr/bin/env node
// Rewrites the finding-id table in README.md from the check registry (src/checks/registry.ts, built into dist/), so the README
// documents exactly the ids the checks emit. test/unit/readme.test.ts fails when they drift apart.
import { readFileSync, writeFileSync } from "node:fs";
import { renderFindingIdTable } from "../dist/report/finding-ids-markdown.js";
import { FINDING_IDS } from "../dist/checks/registry.js";

const readmeUrl = new URL("../README.md", import.meta.url);
const readme = readFileSync(readmeUrl, "utf8");
const start = "<!-- finding-ids:start -->";
const end = "<!-- finding-ids:end -->";
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error("README.md lacks the finding-ids markers");
writeFileSync(readmeUrl, readme.slice(0, a + start.length) + "\n" + renderFindingIdTable(FINDING_IDS) + "\n" + readme.slice(b));
console.log("README.md: finding id table updated");
