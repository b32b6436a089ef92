"""The enumeration guard: counts guesses around masked identities per client and address,
refuses enumeration, raises alerts for officials, keeps the daily quotas.
"""
