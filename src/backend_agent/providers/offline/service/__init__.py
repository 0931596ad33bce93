"""The generated FastAPI + PostgreSQL service: its files, built from the relational plan.

`api` decides the HTTP shape once (paths, modules, parameters), the other modules write one
concern each; the phase modules one level up assemble them into proposals.
"""
