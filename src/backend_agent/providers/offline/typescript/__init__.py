"""The `typescript-fastify` target: Fastify 5, strict TypeScript, node-postgres, zod and
vitest, rendered from the same plan and HTTP shape as the Python target."""
