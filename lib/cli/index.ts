#!/usr/bin/env node
/* c8 ignore start -- the bin entry: it only hands process.argv and the process's I/O to main(); test/cli/bin.test.ts runs it built, in its own process, where coverage is not counted */
import { main, processIo } from './main'
main(process.argv.slice(2), processIo()).then((code) => { process.exitCode = code })
/* c8 ignore stop */
