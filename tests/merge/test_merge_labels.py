"""Custom labels (whole and decomposed), translations, object and field translations, value
sets and their translations merge by entry: each case asserts the whole merged file."""

# ruff: noqa: E501  (case tables: a case per line where it fits the eye better)

from __future__ import annotations

import pytest
from mergecase import Case, E, Note, Piece, Untranslated, X, check

LABELS = "force-app/main/default/labels/CustomLabels.labels-meta.xml"
TRANSLATION = "force-app/main/default/translations/fr.translation-meta.xml"
OBJ_TR = (
    "force-app/main/default/objectTranslations/Account-fr/Account-fr.objectTranslation-meta.xml"
)
FIELD_TR = (
    "force-app/main/default/objectTranslations/Account-fr/Rating__c.fieldTranslation-meta.xml"
)
GVS = "force-app/main/default/globalValueSets/Regions.globalValueSet-meta.xml"
SVS = "force-app/main/default/standardValueSets/LeadSource.standardValueSet-meta.xml"
GVST = "force-app/main/default/globalValueSetTranslations/Regions-fr.globalValueSetTranslation-meta.xml"
SVST = "force-app/main/default/standardValueSetTranslations/LeadSource-fr.standardValueSetTranslation-meta.xml"


def lab(name: str, value: str = "", *, description: str | None = None, protected: bool = False,
        categories: str | None = None) -> E:  # fmt: skip
    parts: list[Piece] = [E("fullName", name)]
    if categories is not None:
        parts.append(E("categories", categories))
    parts += [
        E("language", "en_US"),
        E("protected", protected),
        E("shortDescription", description if description is not None else name),
        E("value", value or name),
    ]
    return E("labels", *parts)


def tr(tag: str, name: str, label: str) -> E:
    return E(tag, E("label", label), E("name", name))


def cv(
    name: str, label: str | None = None, *, default: bool = False, color: str | None = None
) -> E:
    parts: list[Piece] = [E("fullName", name), E("default", default)]
    if color is not None:
        parts.append(E("color", color))
    parts.append(E("label", label or name))
    return E("customValue", *parts)


def sv(name: str, label: str | None = None, *, active: bool | None = None) -> E:
    parts: list[Piece] = [E("fullName", name), E("default", False)]
    if active is not None:
        parts.append(E("isActive", active))
    parts.append(E("label", label or name))
    return E("standardValue", *parts)


def vt(master: str, translation: str) -> E:
    return E("valueTranslation", E("masterLabel", master), E("translation", translation))


def pv(master: str, translation: str) -> E:
    return E("picklistValues", E("masterLabel", master), E("translation", translation))


def ftr(name: str, label: str, *children: Piece) -> E:
    return E("fields", *children, E("label", label), E("name", name))


def case_value(case_type: str, plural: bool, value: str) -> E:
    return E("caseValues", E("caseType", case_type), E("plural", plural), E("value", value))


def section(name: str, label: str) -> E:
    return E("sections", E("label", label), E("section", name))


def layout_tr(layout: str, *sections: Piece) -> E:
    return E("layouts", E("layout", layout), E("layoutType", "Standard"), *sections)


def sfield(name: str, text: str) -> E:
    return E("fields", E("fieldText", text), E("name", name))


def flow_def(label: str, *screens: Piece, flow_label: str = "Hello") -> E:
    return E(
        "flowDefinitions",
        E("flows", E("fullName", "Hello-1"), E("label", flow_label), *screens),
        E("fullName", "Hello"),
        E("label", label),
    )


def screen(name: str, *fields: Piece) -> E:
    return E("screens", *fields, E("name", name))


def report_type(*sections: Piece, label: str = "Accounts") -> E:
    return E("reportTypes", E("label", label), E("name", "Accounts"), *sections)


def rt_section(name: str, label: str, *columns: Piece) -> E:
    return E("sections", *columns, E("label", label), E("name", name))


def column(name: str, label: str) -> E:
    return E("columns", E("label", label), E("name", name))


def mk(root: str, path: str):  # type: ignore[no-untyped-def]
    def make(id: str, base: list[Piece] | None, ours: list[Piece], theirs: list[Piece],
             merged: list[Piece], *conflicts: str) -> Case:  # fmt: skip
        return Case(id, path, root, base, ours, theirs, merged, list(conflicts))

    return make


labels = mk("CustomLabels", LABELS)
label_file = mk("CustomLabel", "force-app/main/default/labels/Greeting.label-meta.xml")
translations = mk("Translations", TRANSLATION)
object_tr = mk("CustomObjectTranslation", OBJ_TR)
field_tr = mk("CustomFieldTranslation", FIELD_TR)
gvs = mk("GlobalValueSet", GVS)
svs = mk("StandardValueSet", SVS)
gvst = mk("GlobalValueSetTranslation", GVST)
svst = mk("StandardValueSetTranslation", SVST)

MASTER = E("masterLabel", "Regions")
SORTED = E("sorted", False)

CASES = [
    # --- CustomLabels: labels by fullName
    labels("label-value-ours", [lab("Hello", "Hi")], [lab("Hello", "Hello!")], [lab("Hello", "Hi")], [lab("Hello", "Hello!")]),
    labels(
        "label-value-both-differ",
        [lab("Greeting", "Hi")],
        [lab("Greeting", "Hello")],
        [lab("Greeting", "Hey")],
        [X([lab("Greeting", "Hello")], [lab("Greeting", "Hey")])],
        "CustomLabels CustomLabels: labels Greeting: value Hello vs Hey",
    ),
    labels("labels-added-each-side", [lab("A"), lab("D")], [lab("A"), lab("B"), lab("D")], [lab("A"), lab("C"), lab("D")], [lab("A"), lab("B"), lab("C"), lab("D")]),
    labels("label-added-same-both", [lab("A")], [lab("A"), lab("B")], [lab("A"), lab("B")], [lab("A"), lab("B")]),
    labels(
        "label-added-both-differently",
        [lab("A")],
        [lab("A"), lab("B", "one")],
        [lab("A"), lab("B", "two")],
        [lab("A"), X([lab("B", "one")], [lab("B", "two")])],
        "CustomLabels CustomLabels: labels B: value one vs two",
    ),
    labels("label-removed-ours", [lab("A"), lab("B")], [lab("B")], [lab("A"), lab("B")], [lab("B")]),
    labels("label-removed-theirs-other-changed-ours", [lab("A"), lab("B")], [lab("A", "a!"), lab("B")], [lab("A")], [lab("A", "a!")]),
    labels("label-removed-both", [lab("A"), lab("B")], [lab("A")], [lab("A")], [lab("A")]),
    labels(
        "label-removed-ours-changed-theirs",
        [lab("A"), lab("B")],
        [lab("A")],
        [lab("A"), lab("B", "changed")],
        [lab("A"), X([], [lab("B", "changed")])],
        "CustomLabels CustomLabels: labels B: deleted in ours, changed in theirs",
    ),
    labels(
        "label-description-ours-value-theirs",
        [lab("A", "x", description="d")],
        [lab("A", "x", description="described")],
        [lab("A", "y", description="d")],
        [lab("A", "y", description="described")],
    ),
    labels(
        "label-protected-theirs-categories-ours",
        [lab("A")],
        [lab("A", categories="Sales")],
        [lab("A", protected=True)],
        [lab("A", categories="Sales", protected=True)],
    ),
    labels(
        "label-special-characters",
        [lab("A", "a < b"), lab("B", "Tom & Jerry")],
        [lab("A", "a < b"), lab("B", "Tom & Jerry's")],
        [lab("A", "a <= b"), lab("B", "Tom & Jerry")],
        [lab("A", "a <= b"), lab("B", "Tom & Jerry's")],
    ),
    labels(
        "label-multiline-conflict",
        [lab("A", "line one\nline two")],
        [lab("A", "line one\nline 2")],
        [lab("A", "line 1\nline two")],
        [X([lab("A", "line one\nline 2")], [lab("A", "line 1\nline two")])],
        "CustomLabels CustomLabels: labels A: value line one line 2 vs line 1 line two",
    ),
    labels(
        "label-duplicated-and-changed",
        [lab("A")],
        [lab("A"), lab("A", "copy")],
        [lab("A", "changed")],
        [X([lab("A"), lab("A", "copy")], [lab("A", "changed")])],
        "CustomLabels CustomLabels: labels A: duplicated key, changed on both sides (2 vs 1 entries)",
    ),
    labels(
        "labels-unsorted-added-after-neighbour",
        [lab("Zed"), lab("Alpha")],
        [lab("Zed", "z"), lab("Alpha")],
        [lab("Zed"), lab("Mid"), lab("Alpha")],
        [lab("Zed", "z"), lab("Mid"), lab("Alpha")],
    ),
    labels(
        "labels-unsorted-moved-theirs-changed-ours",
        [lab("Zed"), lab("Alpha"), lab("Mid")],
        [lab("Zed", "z"), lab("Alpha"), lab("Mid")],
        [lab("Zed"), lab("Mid"), lab("Alpha")],
        [lab("Zed", "z"), lab("Mid"), lab("Alpha")],
    ),
    labels(
        "labels-duplicate-removed-theirs-where-it-was-kept",
        [lab("Zed"), lab("Dup"), lab("Alpha"), lab("Dup"), lab("Mid")],
        [lab("Zed"), lab("Dup"), lab("Alpha", "a"), lab("Dup"), lab("Mid")],
        [lab("Zed"), lab("Alpha"), lab("Dup"), lab("Mid")],
        [lab("Zed"), lab("Alpha", "a"), lab("Dup"), lab("Mid")],
    ),
    labels(
        "labels-duplicate-copies-stay-in-their-places",
        [lab("Dup"), lab("Zed"), lab("Alpha"), lab("Dup")],
        [lab("Dup"), lab("Zed", "z"), lab("Alpha"), lab("Dup")],
        [lab("Dup"), lab("Zed"), lab("Alpha"), lab("Dup"), lab("Mid")],
        [lab("Dup"), lab("Zed", "z"), lab("Alpha"), lab("Dup"), lab("Mid")],
    ),
    labels(
        "labels-mdapi-file",
        [lab("A")],
        [lab("A", "aa")],
        [lab("A"), lab("B")],
        [lab("A", "aa"), lab("B")],
    ),
    # --- comments (people keep notes in labels files): a comment belongs to the entry after it
    labels("comment-kept-values-each-side", [Note("greetings"), lab("A"), lab("B")], [Note("greetings"), lab("A"), lab("B", "b!")], [Note("greetings"), lab("A", "a!"), lab("B")], [Note("greetings"), lab("A", "a!"), lab("B", "b!")]),
    labels("comment-changed-ours-value-theirs", [Note("hi"), lab("A"), lab("B")], [Note("{0} is a name"), lab("A"), lab("B")], [Note("hi"), lab("A", "a!"), lab("B", "b!")], [Note("{0} is a name"), lab("A", "a!"), lab("B", "b!")]),
    labels(
        "comment-changed-both",
        [Note("hi"), lab("A"), lab("B")],
        [Note("hello"), lab("A"), lab("B", "b!")],
        [Note("hey"), lab("A"), lab("B")],
        [X([Note("hello"), lab("A")], [Note("hey"), lab("A")]), lab("B", "b!")],
        "CustomLabels CustomLabels: labels A: comments changed on both sides",
    ),
    labels(
        "comment-inside-entry",
        [E("labels", E("fullName", "A"), Note("{0} is a name"), E("value", "Hi {0}"))],
        [E("labels", E("fullName", "A"), Note("{0} is a first name"), E("value", "Hi {0}"))],
        [E("labels", E("fullName", "A"), Note("{0} is a name"), E("value", "Hello {0}"))],
        [E("labels", E("fullName", "A"), Note("{0} is a first name"), E("value", "Hello {0}"))],
    ),
    labels("comment-deleted-with-its-entry", [lab("A"), Note("about B"), lab("B")], [lab("A", "a!"), Note("about B"), lab("B")], [lab("A")], [lab("A", "a!")]),
    # --- a decomposed label file (decomposeCustomLabelsBeta2)
    label_file(
        "label-file-value-conflict",
        [E("fullName", "Greeting"), E("language", "en_US"), E("value", "Hi")],
        [E("fullName", "Greeting"), E("language", "en_US"), E("value", "Hello")],
        [E("fullName", "Greeting"), E("language", "en_US"), E("value", "Hey")],
        [E("fullName", "Greeting"), E("language", "en_US"), X([E("value", "Hello")], [E("value", "Hey")])],
        "CustomLabel Greeting: value: Hello vs Hey",
    ),
    label_file(
        "label-file-value-and-description",
        [E("fullName", "Greeting"), E("shortDescription", "g"), E("value", "Hi")],
        [E("fullName", "Greeting"), E("shortDescription", "greeting"), E("value", "Hi")],
        [E("fullName", "Greeting"), E("shortDescription", "g"), E("value", "Hello")],
        [E("fullName", "Greeting"), E("shortDescription", "greeting"), E("value", "Hello")],
    ),
    # --- Translations: components by name, nested lists by name
    translations(
        "translation-labels-each-side",
        [tr("customLabels", "A", "a"), tr("customLabels", "B", "b")],
        [tr("customLabels", "A", "aa"), tr("customLabels", "B", "b")],
        [tr("customLabels", "A", "a"), tr("customLabels", "B", "bb")],
        [tr("customLabels", "A", "aa"), tr("customLabels", "B", "bb")],
    ),
    translations(
        "translation-label-conflict",
        [tr("customLabels", "Greeting", "Salut")],
        [tr("customLabels", "Greeting", "Bonjour")],
        [tr("customLabels", "Greeting", "Coucou")],
        [X([tr("customLabels", "Greeting", "Bonjour")], [tr("customLabels", "Greeting", "Coucou")])],
        "Translations fr: customLabels Greeting: label Bonjour vs Coucou",
    ),
    translations(
        "translation-tabs-added-both",
        [tr("customTabs", "B", "b")],
        [tr("customTabs", "A", "a"), tr("customTabs", "B", "b")],
        [tr("customTabs", "B", "b"), tr("customTabs", "C", "c")],
        [tr("customTabs", "A", "a"), tr("customTabs", "B", "b"), tr("customTabs", "C", "c")],
    ),
    translations(
        "translation-application-conflict-and-tab",
        [tr("customApplications", "Sales", "Ventes"), tr("customTabs", "T", "t")],
        [tr("customApplications", "Sales", "Vente"), tr("customTabs", "T", "tab")],
        [tr("customApplications", "Sales", "Les ventes"), tr("customTabs", "T", "t")],
        [X([tr("customApplications", "Sales", "Vente")], [tr("customApplications", "Sales", "Les ventes")]), tr("customTabs", "T", "tab")],
        "Translations fr: customApplications Sales: label Vente vs Les ventes",
    ),
    translations(
        "translation-flow-screen-fields-each-side",
        [flow_def("Bonjour", screen("S1", sfield("A", "a"), sfield("B", "b")))],
        [flow_def("Bonjour", screen("S1", sfield("A", "aa"), sfield("B", "b")))],
        [flow_def("Bonjour", screen("S1", sfield("A", "a"), sfield("B", "bb")))],
        [flow_def("Bonjour", screen("S1", sfield("A", "aa"), sfield("B", "bb")))],
    ),
    translations(
        "translation-flow-screen-field-conflict",
        [flow_def("Bonjour", screen("S1", sfield("A", "a"), sfield("B", "b")))],
        [flow_def("Bonjour", screen("S1", sfield("A", "un"), sfield("B", "b")))],
        [flow_def("Bonjour", screen("S1", sfield("A", "une"), sfield("B", "b")))],
        [
            E(
                "flowDefinitions",
                E(
                    "flows",
                    E("fullName", "Hello-1"),
                    E("label", "Hello"),
                    screen("S1", X([sfield("A", "un")], [sfield("A", "une")]), sfield("B", "b")),
                ),
                E("fullName", "Hello"),
                E("label", "Bonjour"),
            )
        ],
        "Translations fr: flowDefinitions Hello > flows Hello-1 > screens S1 > fields A: "
        "fieldText un vs une",
    ),
    translations(
        "translation-flow-label-and-screen",
        [flow_def("Bonjour", screen("S1", sfield("A", "a")))],
        [flow_def("Salut", screen("S1", sfield("A", "a")))],
        [flow_def("Bonjour", screen("S1", sfield("A", "a")), screen("S2", sfield("B", "b")))],
        [flow_def("Salut", screen("S1", sfield("A", "a")), screen("S2", sfield("B", "b")))],
    ),
    translations(
        "translation-report-type-columns",
        [report_type(rt_section("Main", "Principal", column("Name", "Nom")))],
        [report_type(rt_section("Main", "Principal", column("Name", "Le nom")))],
        [report_type(rt_section("Main", "Principal", column("Name", "Nom"), column("Type", "Type")))],
        [report_type(rt_section("Main", "Principal", column("Name", "Le nom"), column("Type", "Type")))],
    ),
    translations(
        "translation-report-type-section-conflict",
        [report_type(rt_section("Main", "Principal"), rt_section("Other", "Autre"))],
        [report_type(rt_section("Main", "Premier"), rt_section("Other", "Autre"))],
        [report_type(rt_section("Main", "Général"), rt_section("Other", "Autres"))],
        [report_type(X([rt_section("Main", "Premier")], [rt_section("Main", "Général")]), rt_section("Other", "Autres"))],
        "Translations fr: reportTypes Accounts > sections Main: label Premier vs Général",
    ),
    translations(
        "translation-quick-actions-removed-both",
        [tr("customLabels", "A", "a"), tr("quickActions", "Q", "q")],
        [tr("customLabels", "A", "a")],
        [tr("customLabels", "A", "aa")],
        [tr("customLabels", "A", "aa")],
    ),
    translations(
        "translation-new-list-placed-sorted",
        [tr("customLabels", "A", "a"), tr("scontrols", "S", "s")],
        [tr("customLabels", "A", "ab"), tr("scontrols", "S", "s")],
        [tr("customLabels", "A", "a"), tr("quickActions", "Q", "q"), tr("scontrols", "S", "s")],
        [tr("customLabels", "A", "ab"), tr("quickActions", "Q", "q"), tr("scontrols", "S", "s")],
    ),
    translations(
        "translation-web-link-removed-ours-changed-theirs",
        [tr("customPageWebLinks", "W", "w")],
        [],
        [tr("customPageWebLinks", "W", "ww")],
        [X([], [tr("customPageWebLinks", "W", "ww")])],
        "Translations fr: customPageWebLinks W: deleted in ours, changed in theirs",
    ),
    # --- CustomObjectTranslation: fields by name, their picklistValues by masterLabel,
    # layouts by layout with sections by section, caseValues by form
    object_tr(
        "object-tr-picklist-values-each-side",
        [ftr("Rating__c", "Note", pv("Hot", "Chaud"), pv("Warm", "Tiède"))],
        [ftr("Rating__c", "Note", pv("Hot", "Brûlant"), pv("Warm", "Tiède"))],
        [ftr("Rating__c", "Note", pv("Hot", "Chaud"), pv("Warm", "Doux"))],
        [ftr("Rating__c", "Note", pv("Hot", "Brûlant"), pv("Warm", "Doux"))],
    ),
    object_tr(
        "object-tr-picklist-value-conflict",
        [ftr("Rating__c", "Note", pv("Hot", "Chaud"))],
        [ftr("Rating__c", "Note", pv("Hot", "Brûlant"))],
        [ftr("Rating__c", "Note", pv("Hot", "Très chaud"))],
        [ftr("Rating__c", "Note", X([pv("Hot", "Brûlant")], [pv("Hot", "Très chaud")]))],
        "CustomObjectTranslation Account-fr: fields Rating__c > picklistValues Hot: "
        "translation Brûlant vs Très chaud",
    ),
    object_tr(
        "object-tr-field-label-and-help",
        [ftr("Rating__c", "Note")],
        [ftr("Rating__c", "Évaluation")],
        [ftr("Rating__c", "Note", E("help", "Aide"))],
        [ftr("Rating__c", "Évaluation", E("help", "Aide"))],
    ),
    object_tr(
        "object-tr-fields-added-each-side",
        [ftr("B__c", "b")],
        [ftr("A__c", "a"), ftr("B__c", "b")],
        [ftr("B__c", "b"), ftr("C__c", "c")],
        [ftr("A__c", "a"), ftr("B__c", "b"), ftr("C__c", "c")],
    ),
    object_tr(
        "object-tr-layout-sections-each-side",
        [layout_tr("Account Layout", section("Info", "Infos"), section("System", "Système"))],
        [layout_tr("Account Layout", section("Info", "Informations"), section("System", "Système"))],
        [layout_tr("Account Layout", section("Info", "Infos"), section("System", "Le système"))],
        [layout_tr("Account Layout", section("Info", "Informations"), section("System", "Le système"))],
    ),
    object_tr(
        "object-tr-layout-section-conflict",
        [layout_tr("Account Layout", section("Info", "Infos"))],
        [layout_tr("Account Layout", section("Info", "Informations"))],
        [layout_tr("Account Layout", section("Info", "Info"))],
        [layout_tr("Account Layout", X([section("Info", "Informations")], [section("Info", "Info")]))],
        "CustomObjectTranslation Account-fr: layouts Account Layout, Standard > sections Info: "
        "label Informations vs Info",
    ),
    object_tr(
        "object-tr-case-values-each-form",
        [case_value("Nominative", False, "compte"), case_value("Nominative", True, "comptes")],
        [case_value("Nominative", False, "Compte"), case_value("Nominative", True, "comptes")],
        [case_value("Nominative", False, "compte"), case_value("Nominative", True, "Comptes")],
        [case_value("Nominative", False, "Compte"), case_value("Nominative", True, "Comptes")],
    ),
    object_tr(
        "object-tr-case-value-conflict",
        [case_value("Nominative", False, "compte")],
        [case_value("Nominative", False, "Compte")],
        [case_value("Nominative", False, "le compte")],
        [X([case_value("Nominative", False, "Compte")], [case_value("Nominative", False, "le compte")])],
        "CustomObjectTranslation Account-fr: caseValues Nominative, false: value Compte vs le compte",
    ),
    object_tr(
        "object-tr-name-field-label-conflict",
        [E("nameFieldLabel", "Nom")],
        [E("nameFieldLabel", "Nom du compte")],
        [E("nameFieldLabel", "Raison sociale")],
        [X([E("nameFieldLabel", "Nom du compte")], [E("nameFieldLabel", "Raison sociale")])],
        "CustomObjectTranslation Account-fr: nameFieldLabel: Nom du compte vs Raison sociale",
    ),
    object_tr(
        "object-tr-gender-and-starts-with",
        [E("gender", "Masculine"), E("startsWith", "Consonant")],
        [E("gender", "Feminine"), E("startsWith", "Consonant")],
        [E("gender", "Masculine"), E("startsWith", "Vowel")],
        [E("gender", "Feminine"), E("startsWith", "Vowel")],
    ),
    object_tr(
        "object-tr-validation-rule-conflict",
        [E("validationRules", E("errorMessage", "Requis"), E("name", "Need_Name"))],
        [E("validationRules", E("errorMessage", "Obligatoire"), E("name", "Need_Name"))],
        [E("validationRules", E("errorMessage", "Nom requis"), E("name", "Need_Name"))],
        [X([E("validationRules", E("errorMessage", "Obligatoire"), E("name", "Need_Name"))], [E("validationRules", E("errorMessage", "Nom requis"), E("name", "Need_Name"))])],
        "CustomObjectTranslation Account-fr: validationRules Need_Name: errorMessage Obligatoire vs Nom requis",
    ),
    object_tr(
        "object-tr-web-links-added-both",
        [tr("webLinks", "B", "b")],
        [tr("webLinks", "A", "a"), tr("webLinks", "B", "b")],
        [tr("webLinks", "B", "b"), tr("webLinks", "C", "c")],
        [tr("webLinks", "A", "a"), tr("webLinks", "B", "b"), tr("webLinks", "C", "c")],
    ),
    object_tr(
        "object-tr-record-type-description-and-label",
        [E("recordTypes", E("description", "d"), E("label", "l"), E("name", "Business"))],
        [E("recordTypes", E("description", "desc"), E("label", "l"), E("name", "Business"))],
        [E("recordTypes", E("description", "d"), E("label", "Entreprise"), E("name", "Business"))],
        [E("recordTypes", E("description", "desc"), E("label", "Entreprise"), E("name", "Business"))],
    ),
    object_tr(
        "object-tr-workflow-task-subject-and-description",
        [E("workflowTasks", E("description", "d"), E("name", "Call"), E("subject", "s"))],
        [E("workflowTasks", E("description", "d"), E("name", "Call"), E("subject", "Appeler"))],
        [E("workflowTasks", E("description", "Appel client"), E("name", "Call"), E("subject", "s"))],
        [E("workflowTasks", E("description", "Appel client"), E("name", "Call"), E("subject", "Appeler"))],
    ),
    object_tr(
        "object-tr-quick-action-removed-ours-changed-theirs",
        [tr("quickActions", "New", "Nouveau")],
        [],
        [tr("quickActions", "New", "Créer")],
        [X([], [tr("quickActions", "New", "Créer")])],
        "CustomObjectTranslation Account-fr: quickActions New: deleted in ours, changed in theirs",
    ),
    object_tr(
        "object-tr-standard-field-conflict",
        [tr("standardFields", "Name", "Nom")],
        [tr("standardFields", "Name", "Le nom")],
        [tr("standardFields", "Name", "Nom complet")],
        [X([tr("standardFields", "Name", "Le nom")], [tr("standardFields", "Name", "Nom complet")])],
        "CustomObjectTranslation Account-fr: standardFields Name: label Le nom vs Nom complet",
    ),
    # --- what is not translated yet: Salesforce writes the master label as a comment
    object_tr(
        "object-tr-untranslated-each-side",
        [E("fields", Untranslated("label", "Rating"), E("name", "Rating__c")), E("fields", Untranslated("label", "Size"), E("name", "Size__c"))],
        [E("fields", E("label", "Note"), E("name", "Rating__c")), E("fields", Untranslated("label", "Size"), E("name", "Size__c"))],
        [E("fields", Untranslated("label", "Rating"), E("name", "Rating__c")), E("fields", E("label", "Taille"), E("name", "Size__c"))],
        [E("fields", E("label", "Note"), E("name", "Rating__c")), E("fields", E("label", "Taille"), E("name", "Size__c"))],
    ),
    object_tr(
        "object-tr-untranslated-translated-both",
        [E("fields", Untranslated("label", "Rating"), E("name", "Rating__c"))],
        [E("fields", E("label", "Note"), E("name", "Rating__c"))],
        [E("fields", E("label", "Évaluation"), E("name", "Rating__c"))],
        [X([E("fields", E("label", "Note"), E("name", "Rating__c"))], [E("fields", E("label", "Évaluation"), E("name", "Rating__c"))])],
        "CustomObjectTranslation Account-fr: fields Rating__c: label Note vs Évaluation",
    ),
    # --- a decomposed field translation
    field_tr(
        "field-tr-picklist-values",
        [E("label", "Note"), E("name", "Rating__c"), pv("Hot", "Chaud")],
        [E("label", "Note"), E("name", "Rating__c"), pv("Cold", "Froid"), pv("Hot", "Chaud")],
        [E("label", "Note"), E("name", "Rating__c"), pv("Hot", "Brûlant")],
        [E("label", "Note"), E("name", "Rating__c"), pv("Cold", "Froid"), pv("Hot", "Brûlant")],
    ),
    field_tr(
        "field-tr-label-conflict",
        [E("label", "Note"), E("name", "Rating__c")],
        [E("label", "Évaluation"), E("name", "Rating__c")],
        [E("label", "Notation"), E("name", "Rating__c")],
        [X([E("label", "Évaluation")], [E("label", "Notation")]), E("name", "Rating__c")],
        "CustomObjectTranslation Account-fr: label: Évaluation vs Notation",
    ),
    field_tr(
        "field-tr-lookup-filter-messages",
        [E("lookupFilter", E("errorMessage", "e"), E("informationalMessage", "i")), E("name", "Parent__c")],
        [E("lookupFilter", E("errorMessage", "Erreur"), E("informationalMessage", "i")), E("name", "Parent__c")],
        [E("lookupFilter", E("errorMessage", "e"), E("informationalMessage", "Info")), E("name", "Parent__c")],
        [E("lookupFilter", E("errorMessage", "Erreur"), E("informationalMessage", "Info")), E("name", "Parent__c")],
    ),
    # --- value sets: values by fullName, in order
    gvs("gvs-values-inserted-different-places", [cv("A"), cv("C"), MASTER], [cv("A"), cv("B"), cv("C"), MASTER], [cv("A"), cv("C"), cv("D"), MASTER], [cv("A"), cv("B"), cv("C"), cv("D"), MASTER]),
    gvs(
        "gvs-values-inserted-same-place",
        [cv("A"), cv("C"), MASTER],
        [cv("A"), cv("B"), cv("C"), MASTER],
        [cv("A"), cv("X"), cv("C"), MASTER],
        [cv("A"), X([cv("B")], [cv("X")]), cv("C"), MASTER],
        "GlobalValueSet Regions: customValue: B vs X",
    ),
    gvs(
        "gvs-label-ours-move-theirs",
        [cv("A"), cv("B"), cv("C"), MASTER],
        [cv("A", "Alpha"), cv("B"), cv("C"), MASTER],
        [cv("C"), cv("A"), cv("B"), MASTER],
        [cv("C"), cv("A", "Alpha"), cv("B"), MASTER],
    ),
    gvs(
        "gvs-deleted-ours-color-theirs",
        [cv("A"), cv("B"), MASTER],
        [cv("A"), MASTER],
        [cv("A"), cv("B", color="#FF0000"), MASTER],
        [cv("A"), X([], [cv("B", color="#FF0000")]), MASTER],
        "GlobalValueSet Regions: customValue B: deleted in ours, changed in theirs",
    ),
    gvs(
        "gvs-reordered-both",
        [cv("A"), cv("B"), cv("C"), MASTER],
        [cv("B"), cv("A"), cv("C"), MASTER],
        [cv("A"), cv("C"), cv("B"), MASTER],
        [X([cv("B"), cv("A"), cv("C")], [cv("A"), cv("C"), cv("B")]), MASTER],
        "GlobalValueSet Regions: customValue: the order changed on both sides",
    ),
    gvs(
        "gvs-same-value-inserted-different-places",
        [cv("A"), cv("C"), MASTER],
        [cv("X"), cv("A"), cv("C"), MASTER],
        [cv("A"), cv("C"), cv("X"), MASTER],
        [X([cv("X")], []), cv("A"), cv("C"), X([], [cv("X")]), MASTER],
        "GlobalValueSet Regions: customValue X: ours and theirs put it in different places",
    ),
    gvs(
        "gvs-sorted-and-description",
        [cv("A"), E("description", "d"), MASTER, SORTED],
        [cv("A"), E("description", "d"), MASTER, E("sorted", True)],
        [cv("A"), E("description", "Regions of the world"), MASTER, SORTED],
        [cv("A"), E("description", "Regions of the world"), MASTER, E("sorted", True)],
    ),
    gvs(
        "gvs-deleted-theirs-inserted-after-ours",
        [cv("A"), cv("B"), cv("C"), MASTER],
        [cv("A"), cv("B"), cv("X"), cv("C"), MASTER],
        [cv("A"), cv("C"), MASTER],
        [cv("A"), cv("X"), cv("C"), MASTER],
    ),
    gvs(
        "gvs-moved-ours-label-theirs",
        [cv("A"), cv("B"), cv("C"), MASTER],
        [cv("B"), cv("A"), cv("C"), MASTER],
        [cv("A"), cv("B", "Beta"), cv("C"), MASTER],
        [cv("B", "Beta"), cv("A"), cv("C"), MASTER],
    ),
    gvs(
        "gvs-both-appended-differently",
        [cv("A"), MASTER],
        [cv("A"), cv("B"), MASTER],
        [cv("A"), cv("C"), MASTER],
        [cv("A"), X([cv("B")], [cv("C")]), MASTER],
        "GlobalValueSet Regions: customValue: B vs C",
    ),
    gvs(
        "gvs-neighbours-changed",
        [cv("A"), cv("B"), MASTER],
        [cv("A", "Alpha"), cv("B"), MASTER],
        [cv("A"), cv("B", "Beta"), MASTER],
        [cv("A", "Alpha"), cv("B", "Beta"), MASTER],
    ),
    svs("svs-appended-ours-prepended-theirs", [sv("Web"), SORTED], [sv("Web"), sv("Phone"), SORTED], [sv("Email"), sv("Web"), SORTED], [sv("Email"), sv("Web"), sv("Phone"), SORTED]),
    svs(
        "svs-active-and-label",
        [sv("Web", active=True)],
        [sv("Web", active=False)],
        [sv("Web", "Website", active=True)],
        [sv("Web", "Website", active=False)],
    ),
    svs(
        "svs-label-conflict",
        [sv("Web")],
        [sv("Web", "Website")],
        [sv("Web", "Internet")],
        [X([sv("Web", "Website")], [sv("Web", "Internet")])],
        "StandardValueSet LeadSource: standardValue Web: label Website vs Internet",
    ),
    # --- value set translations: by masterLabel
    gvst("gvst-each-side", [vt("East", "Est"), vt("West", "Ouest")], [vt("East", "L'est"), vt("West", "Ouest")], [vt("East", "Est"), vt("North", "Nord"), vt("West", "Ouest")], [vt("East", "L'est"), vt("North", "Nord"), vt("West", "Ouest")]),
    gvst(
        "gvst-conflict",
        [vt("East", "Est")],
        [vt("East", "L'Est")],
        [vt("East", "Orient")],
        [X([vt("East", "L'Est")], [vt("East", "Orient")])],
        "GlobalValueSetTranslation Regions-fr: valueTranslation East: translation L'Est vs Orient",
    ),
    svst("svst-added-same", [vt("Web", "Web")], [vt("Phone", "Téléphone"), vt("Web", "Web")], [vt("Phone", "Téléphone"), vt("Web", "Web")], [vt("Phone", "Téléphone"), vt("Web", "Web")]),
    svst("svst-removed-theirs", [vt("Phone", "Tél"), vt("Web", "Web")], [vt("Phone", "Tél"), vt("Web", "Internet")], [vt("Web", "Web")], [vt("Web", "Internet")]),
]  # fmt: skip


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_labels_translations_and_value_sets(case: Case) -> None:
    check(case)


def test_enough_cases() -> None:
    assert len(CASES) >= 60
