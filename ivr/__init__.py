"""Pure call logic: the business calendar, classification and the call flow as TwiML.

Nothing here imports Flask, the database or any other package of ours.
"""
