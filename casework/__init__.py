"""The case store and the casework services: what the bureau decided and did about each finding."""
