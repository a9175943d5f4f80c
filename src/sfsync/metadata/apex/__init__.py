"""The Apex reference graph and the choice of the tests that matter for a deployment.

Pure: these modules read only the sources they are given (path -> bytes) and never run git,
`sf` or anything else; `sfsync.metadata.apex.sources` reads those sources from a commit.

- `tokenizer.tokenize(text)`: Apex tokens, comments dropped, strings and SOQL kept apart
- `parse.parse_apex(name, text, trigger=False)`: what one class or trigger declares and uses
- `graph.build(files)`: classes, triggers, flows, LWC/Aura/Visualforce bundles and the
  references between them
- `select.select(graph, changed, options)`: the test classes that reach the deployed Apex,
  each with why, and the deployed Apex no test reaches
"""
