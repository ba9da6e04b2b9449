#!/usr/bin/env node
// The `agentmesh` command: serve, events, agents, simulate. Runs the compiled CLI.
import "../dist/cli/main.js";
