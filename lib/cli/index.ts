#!/usr/bin/env node
import { main, processIo } from './main'
main(process.argv.slice(2), processIo()).then((code) => { process.exitCode = code })
