"""The use cases the conversations call: file a report, acknowledge an alert, invite a
person... Each owns its queries, so a flow says what happens and never how it is stored."""
