"""A generated Apex code base in the shape of a real org's: layered production classes
(services call selectors and domain classes, helpers are shared), a test class for most of
them, a few test helpers, triggers on a handful of objects with handler classes, comments and
strings that mention other classes, inline SOQL with binds, generics.

    files = codebase(classes=1000, seed=7)     # {project path: bytes}
"""

from __future__ import annotations

import random

BASE = "force-app/main/default"
OBJECTS = ("Account", "Contact", "Opportunity", "Case", "Lead", "Invoice__c", "Payment__c")


def codebase(classes: int = 1000, seed: int = 7) -> dict[str, bytes]:
    """`classes` Apex classes (about 60% production, 40% tests), triggers on `OBJECTS`."""
    rng = random.Random(seed)
    production = int(classes * 0.6)
    names = [f"{('Svc', 'Sel', 'Dom', 'Util')[i % 4]}{i:04d}" for i in range(production)]
    files: dict[str, bytes] = {}
    layers = {kind: [n for n in names if n.startswith(kind)] for kind in ("Svc", "Sel", "Dom")}
    utils = [n for n in names if n.startswith("Util")][:12]  # a few helpers used everywhere
    handlers = []
    for obj in OBJECTS:
        handler = f"{obj.replace('__c', '')}TriggerHandler"
        handlers.append(handler)
        trigger = f"{obj.replace('__c', '')}Trigger"
        files[f"{BASE}/triggers/{trigger}.trigger"] = (
            f"trigger {trigger} on {obj} (before insert, after update) {{\n"
            f"    new {handler}().run(Trigger.new);\n}}\n"
        ).encode()
        files[f"{BASE}/classes/{handler}.cls"] = _class(
            handler, rng.sample(layers["Dom"], 3), [obj], rng
        ).encode()
    for name in names:
        if name.startswith("Svc"):
            uses = rng.sample(layers["Sel"], 2) + rng.sample(layers["Dom"], 2)
        elif name.startswith("Sel") or name.startswith("Dom"):
            uses = rng.sample(layers[name[:3]], 1)
        else:
            uses = []
        uses += rng.sample(utils, 1) if not name.startswith("Util") else []
        files[f"{BASE}/classes/{name}.cls"] = _class(
            name, uses, rng.sample(OBJECTS, 1), rng
        ).encode()
    tests = classes - production - len(handlers) - 2
    tested = rng.sample(names + handlers, min(tests, len(names) + len(handlers)))
    files[f"{BASE}/classes/TestDataFactory.cls"] = _helper("TestDataFactory").encode()
    files[f"{BASE}/classes/TestUtils.cls"] = _helper("TestUtils").encode()
    for subject in tested:
        test = f"{subject}Test"
        files[f"{BASE}/classes/{test}.cls"] = _test(test, subject, rng).encode()
    return files


def _class(name: str, uses: list[str], objects: list[str], rng: random.Random) -> str:
    lines = [
        "/**",
        f" * {name}: generated. See also {rng.choice(uses) if uses else 'nothing'} (a comment).",
        " */",
        f"public with sharing class {name} {{",
        f"    private static final String LABEL = '{name} failed: see Util0003';",
        "    public class Result { public Boolean ok; public List<String> errors; }",
    ]
    for index, other in enumerate(uses):
        lines += [
            f"    public Map<Id, List<{other}.Result>> step{index}(Set<Id> ids) {{",
            f"        // calls {other}",
            f"        List<{objects[0]}> rows =",
            f"            [SELECT Id, Name FROM {objects[0]} WHERE Id IN :ids];",
            f"        {other} helper = new {other}();",
            f"        Map<Id, List<{other}.Result>> out = new Map<Id, List<{other}.Result>>();",
            "        for (SObject row : rows) {",
            "            if (row.Id == null) { throw new IllegalArgumentException(LABEL); }",
            "        }",
            "        return out;",
            "    }",
        ]
    for index in range(rng.randint(3, 8)):
        lines += [
            f"    public Integer compute{index}(Integer a, Integer b) {{",
            "        Integer total = 0;",
            "        for (Integer i = 0; i < a; i++) { total += i * b; /* inline comment */ }",
            "        String note = 'it\\'s a string with // inside';",
            "        return total;",
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _helper(name: str) -> str:
    return (
        "@IsTest\n"
        f"public class {name} {{\n"
        "    public static Account account() { return new Account(Name = 'a'); }\n"
        "}\n"
    )


def _test(name: str, subject: str, rng: random.Random) -> str:
    lines = [
        "@IsTest",
        f"private class {name} {{",
        "    @TestSetup static void setup() { insert TestDataFactory.account(); }",
    ]
    for index in range(rng.randint(2, 5)):
        lines += [
            "    @IsTest",
            f"    static void case{index}() {{",
            f"        {subject} subject = new {subject}();",
            "        Test.startTest();",
            f"        System.assertEquals(0, subject.compute0(0, {index}), 'mentions Util0001');",
            "        Test.stopTest();",
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"
