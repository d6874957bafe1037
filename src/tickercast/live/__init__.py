"""The live feed and what it serves: bars arriving (replay or poll), predictions made and
scored as they do, the in-memory event hub behind Server-Sent Events, and accuracy read
back from stored predictions. No HTTP here: ``serving/`` exposes it."""
