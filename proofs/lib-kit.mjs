// The package's testing kit (`fastify-twilio-status/testing`), which the proofs sign their requests
// with as a user's tests would. It is loaded from the build, so a missing build exits with code 2.

/** The built testing kit, or exit 2 saying to run `npm run build` first. */
export async function loadKit () {
  try {
    return await import('fastify-twilio-status/testing')
  } catch (err) {
    console.error(`the built package is missing (run \`npm run build\` first): ${err.message}`)
    process.exit(2)
  }
}
