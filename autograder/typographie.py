"""Typographie française du texte que lisent étudiants et enseignants, sans toucher au code.

Règles appliquées au texte français :

- espace fine insécable (U+202F) avant ``;``, ``!`` et ``?`` ;
- espace insécable (U+00A0) avant ``:``, après ``«`` et avant ``»`` ;
- espace fine insécable entre un nombre et ``%`` (« 41,3 % ») et entre les groupes de trois
  chiffres (« 37 440 ») : une espace déjà écrite seulement, un nombre ne se coupe pas.

Une espace ordinaire à ces endroits est remplacée ; une espace absente est ajoutée (sauf
cas douteux : ponctuation double, signe collé à une parenthèse ouvrante ou à la fin d'une
mise en forme (``*mot*:``), ``:`` suivi d'autre chose qu'une espace ou d'une fin de ligne...).
Le code n'est jamais touché :

- Markdown (``.md``, cellules Markdown) : blocs de code délimités, ``code`` en ligne,
  formules LaTeX (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``), adresses ``http(s)://``,
  cibles des liens, balises, commentaires et blocs ``<style>``/``<script>`` HTML, entités ;
- modèles Jinja (``.j2``) : en plus, ``{{ … }}``, ``{% … %}`` et ``{# … #}`` ;
- Python (``.py``, cellules de code) : seuls les littéraux de chaîne et les commentaires
  rédigés en français (une espace et un mot français ou une lettre accentuée) sont lus ;
  jamais les chaînes brutes ``r"…"`` ou d'octets, ni les champs ``{…}`` (f-strings,
  ``format``), les spécifications ``%s``, les séquences d'échappement, le ``code`` entre
  accents graves, les adresses, ni les commentaires-directives (``# noqa: …``). Le résultat
  est refusé s'il ne découpe pas en exactement les mêmes jetons que l'original (hors texte
  des chaînes et commentaires).

L'opération est idempotente. En ligne de commande ::

    python -m autograder.typographie --verifier README.md autograder/ solutions/
    python -m autograder.typographie --corriger README.md autograder/

``--verifier`` liste les écarts (fichier:ligne, extrait) et sort avec le code 1 s'il y en a ;
``--corriger`` corrige les fichiers en place. Un dossier est parcouru (``.md``, ``.py``,
``.ipynb``, ``.j2``). Le préprocesseur nbgrader :class:`TypographieFrancaise` applique les
mêmes règles à la génération du notebook étudiant.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ESPACE_FINE = "\u202f"
ESPACE_INSECABLE = "\u00a0"
_ESPACES = " \u00a0\u202f"
SUFFIXES = (".md", ".py", ".ipynb", ".j2")
_IGNORES = {".git", ".venv", "__pycache__", "build", ".ipynb_checkpoints", "node_modules"}

# --- Règles -----------------------------------------------------------------------------------
#: Caractère après lequel on n'insère jamais d'espace (ponctuation double, ouvrants, barres).
_AVANT_INTERDIT = set(";:!?([{«'\"/\\|-–—….,=<>+*%&#@~^$`_")
#: Ce qui peut suivre le signe : blanc, fin de texte, ou fermeture de mise en forme.
_APRES_PERMIS = re.compile(r"(?:\s|$|[*_)\]»\"'<!?])")
_PONCTUATION = re.compile(r"(?P<esp>[ \u00a0\u202f]*)(?P<signe>[;:!?])")
#: Fin d'une mise en forme ou d'une abréviation (``*forward* :``, ``**Vitesse** :``, ``Ho et al. :``) :
#: l'espace déjà écrite avant le signe devient insécable ; on n'en insère jamais une.
_FIN_DE_MOT = set("*_.")
#: « 43 % » : espace fine insécable entre le nombre et le signe (une espace déjà écrite).
_POURCENT = re.compile(r"(?<=\d)(?P<esp> )%")
#: « 37 440 », « 1 000 000 » : les espaces entre groupes de trois chiffres deviennent fines
#: insécables (un nombre ne se coupe pas en fin de ligne) ; pas dans un décimal (« 0,125 125 »)
#: ni dans une suite de nombres (« 100 200 300 », « 128 256 », « 1 250 500 1000 ») : un premier
#: groupe de trois chiffres n'est lu comme des milliers que devant « 000 ».
_MILLIERS = re.compile(r"(?<![\d,.\u202f\u00a0])(?<!\d )(?:\d{1,2}|\d{3}(?= 000))"
                       r"(?P<groupes>(?: \d{3})+)(?![\d,.]\d)(?!\d)(?! \d)")
_OUVRANT = re.compile(r"«(?P<esp>[ \u00a0\u202f]*)(?=[^\s])")
_FERMANT = re.compile(r"(?<=[^\s])(?P<esp>[ \u00a0\u202f]*)»")


@dataclass(frozen=True)
class Edition:
    """Remplacer ``texte[debut:fin]`` par ``par`` (une espace ajoutée ou corrigée)."""

    debut: int
    fin: int
    par: str


@dataclass(frozen=True)
class Violation:
    """Un écart à la typographie française, localisé pour un humain."""

    chemin: str
    ligne: int
    extrait: str
    lieu: str = ""

    def __str__(self):
        lieu = f" ({self.lieu})" if self.lieu else ""
        return f"{self.chemin}:{self.ligne}{lieu} : {self.extrait}"


class _Masque:
    """Zones d'un texte à ne jamais modifier, et positions qui coupent le texte (échappements)."""

    def __init__(self, longueur):
        self.protege = bytearray(longueur)
        self.coupure = bytearray(longueur)

    def proteger(self, debut, fin, coupure=False):
        for i in range(max(debut, 0), min(fin, len(self.protege))):
            self.protege[i] = 1
            if coupure:
                self.coupure[i] = 1

    def libre(self, debut, fin):
        return not any(self.protege[debut:fin])


def _editions(texte, masque):
    """Éditions qui appliquent les règles à ``texte`` hors des zones protégées de ``masque``."""
    editions = []

    def proposer(debut, fin, par, signe):
        if texte[debut:fin] != par and masque.libre(debut, fin) and masque.libre(signe, signe + 1):
            editions.append(Edition(debut, fin, par))

    for m in _PONCTUATION.finditer(texte):
        debut, signe = m.start("esp"), m.start("signe")
        avant = debut - 1
        if avant < 0 or texte[avant] in "\n\r\t" or (avant >= 0 and masque.coupure[avant]):
            continue
        if texte[avant] in _AVANT_INTERDIT and not masque.protege[avant] \
                and not (texte[avant] in _FIN_DE_MOT and signe > debut):
            continue
        if texte[avant] in _ESPACES:
            continue
        if not _APRES_PERMIS.match(texte, signe + 1):
            continue
        espace = ESPACE_INSECABLE if m["signe"] == ":" else ESPACE_FINE
        # Plusieurs espaces (colonnes alignées) : seule la dernière devient insécable.
        proposer(debut, signe, texte[debut:signe - 1] + espace if signe - debut > 1 else espace, signe)
    for m in _POURCENT.finditer(texte):
        proposer(m.start("esp"), m.end("esp"), ESPACE_FINE, m.end() - 1)
    for m in _MILLIERS.finditer(texte):
        for i in range(m.start("groupes"), m.end("groupes")):
            if texte[i] == " ":
                proposer(i, i + 1, ESPACE_FINE, i)
    for m in _OUVRANT.finditer(texte):
        if masque.coupure[m.end("esp")]:
            continue
        proposer(m.start("esp"), m.end("esp"), ESPACE_INSECABLE, m.start())
    for m in _FERMANT.finditer(texte):
        if m.start() > 0 and masque.coupure[m.start() - 1]:
            continue
        proposer(m.start("esp"), m.end("esp"), ESPACE_INSECABLE, m.end() - 1)
    editions.sort(key=lambda e: (e.debut, e.fin))
    retenues, fin = [], -1
    for edition in editions:
        if edition.debut >= fin:
            retenues.append(edition)
            fin = max(edition.fin, edition.debut + 1)
    return retenues


def appliquer(texte: str, editions: list[Edition]) -> str:
    """Applique des éditions disjointes à ``texte``."""
    for edition in sorted(editions, key=lambda e: e.debut, reverse=True):
        texte = texte[:edition.debut] + edition.par + texte[edition.fin:]
    return texte


# --- Markdown et Jinja ------------------------------------------------------------------------
_ZONES_MARKDOWN = [
    re.compile(r"<!--[\s\S]*?-->"),
    re.compile(r"<(style|script)\b[\s\S]*?</\1\s*>", re.IGNORECASE),
    re.compile(r"\$\$[\s\S]+?\$\$"),
    re.compile(r"\\\[[\s\S]+?\\\]"),
    re.compile(r"\\\([\s\S]+?\\\)"),
    re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$"),
    re.compile(r"</?[A-Za-z][^<>]*>"),
    re.compile(r"https?://[^\s<>()\[\]]+"),
    re.compile(r"\b(?:https?|ftp|file|data|mailto):"),
    re.compile(r"\]\([^)\n]*\)"),
    re.compile(r"^ {0,3}\[[^\]\n]+\]:[^\n]*", re.MULTILINE),
    re.compile(r"&#?\w+;"),
]
_ZONES_JINJA = [re.compile(r"\{\{[\s\S]*?\}\}"), re.compile(r"\{%[\s\S]*?%\}"), re.compile(r"\{#[\s\S]*?#\}")]
_CLOTURE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_EN_LIGNE = re.compile(r"(?<!`)(`+)(?!`)[\s\S]+?(?<!`)\1(?!`)")


def _masque_markdown(texte, jinja=False):
    masque = _Masque(len(texte))
    # Blocs de code délimités (``` ou ~~~), jusqu'à la clôture ou la fin du texte.
    position, ouverture = 0, None
    for ligne in texte.splitlines(keepends=True):
        cloture = _CLOTURE.match(ligne)
        if ouverture is None and cloture:
            ouverture = (position, cloture.group(1))
        elif ouverture is not None and cloture and cloture.group(1)[0] == ouverture[1][0] \
                and len(cloture.group(1)) >= len(ouverture[1]) and not ligne[cloture.end():].strip():
            masque.proteger(ouverture[0], position + len(ligne))
            ouverture = None
        position += len(ligne)
    if ouverture is not None:
        masque.proteger(ouverture[0], len(texte))
    for motif in (_ZONES_JINJA if jinja else []) + [_CODE_EN_LIGNE] + _ZONES_MARKDOWN:
        for m in motif.finditer(texte):
            if masque.libre(m.start(), m.start() + 1):
                masque.proteger(m.start(), m.end())
    return masque


def editions_markdown(texte: str, *, jinja: bool = False) -> list[Edition]:
    """Éditions typographiques d'un texte Markdown (``jinja`` : modèle Jinja/HTML)."""
    return _editions(texte, _masque_markdown(texte, jinja=jinja))


def corriger_markdown(texte: str, *, jinja: bool = False) -> str:
    """``texte`` Markdown (ou modèle Jinja) avec la typographie française appliquée."""
    return appliquer(texte, editions_markdown(texte, jinja=jinja))


# --- Python -----------------------------------------------------------------------------------
_FRANCAIS = re.compile(
    r"[À-ÖØ-öø-ÿœŒ«»]|\b(?:le|la|les|de|des|du|un|une|et|est|sont|pas|ne|pour|par|dans|avec|"
    r"sans|sur|que|qui|au|aux|ce|cette|ces|vous|votre|vos|il|elle|si|ou)\b", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^#\s*(?:noqa|type|pragma|fmt|pylint|mypy|isort|ruff|nosec|-\*-)", re.IGNORECASE)
_SPEC_POURCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_ECHAPPEMENT = re.compile(r"\\(?:N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.|\n)")
_CHAINE = re.compile(r"^(?P<prefixe>[A-Za-z]*)(?P<guillemet>'''|\"\"\"|'|\")", re.DOTALL)
_MAGIE = re.compile(r"^[ \t]*[%!]")


def _accolades(texte, masque, debut, fin):
    """Protège les champs ``{…}`` (imbrications comprises) de ``texte[debut:fin]``."""
    profondeur, ouverture, i = 0, None, debut
    while i < fin:
        c = texte[i]
        if c == "{" and profondeur == 0 and texte[i + 1:i + 2] == "{":
            masque.proteger(i, i + 2)
            i += 2
            continue
        if c == "{":
            if profondeur == 0:
                ouverture = i
            profondeur += 1
        elif c == "}" and profondeur > 0:
            profondeur -= 1
            if profondeur == 0:
                masque.proteger(ouverture, i + 1)
        i += 1
    if profondeur > 0:
        masque.proteger(ouverture, fin)


#: Ligne de code dans une chaîne ou un commentaire (exemple, script, JavaScript) : intouchée.
_LIGNE_DE_CODE = re.compile(
    r"^[ \t]*(?:(?:import|from|def|class|for|while|if|elif|else|try|except|finally|with|return|"
    r"raise|assert|lambda|print|yield|async|await|pass|del|var|let|const|function)\b"
    r"|[A-Za-z_][\w.]*(?:\[[^\]\n]*\])*[ \t]*(?:[-+*/%]?=)(?!=)"
    r"|[A-Za-z_][\w.]*\(|[})\]]|>>>|\.\.\.[ \t])"
    r"|\blambda\b[^:\n]*:|(?<![ \u00a0\u202f]);[ \t]*$|\{[ \t]*$", re.MULTILINE)
#: ``nom:``, ``nom (type):`` en tête de ligne : champ d'une docstring (``Args:``, ``Returns:``).
_CHAMP_DOCSTRING = re.compile(r"^[ \t]*\**[A-Za-z_]\w*(?:[ \t]*\([^)\n]*\))?:", re.MULTILINE)
_SCHEMA_URI = re.compile(r"\b(?:https?|ftp|file|data|mailto):")
#: Entité HTML (``&gt;``, ``&#8239;``) : son « ; » n'est pas une ponctuation.
_ENTITE_HTML = re.compile(r"&#?\w+;")
#: Déclaration CSS dans une chaîne (``margin: 1em auto;``, ``font-family: sans-serif``) : du
#: code, jamais de la prose, même quand une valeur ressemble à du français (« sans »).
_PROPRIETES_CSS = ("margin|padding|border|background|color|width|height|display|position|top|left|right|"
                   "bottom|float|clear|overflow|opacity|cursor|content|font|flex|gap|grid|outline|transform|"
                   "transition|visibility|filter|order|inset|animation|align|justify|text|line|white|word")
_CSS = re.compile(rf"(?<![\w-])(?:(?:{_PROPRIETES_CSS})(?:-[a-z]+)*|[a-z]+(?:-[a-z]+)+):[ \t]*"
                  r"[^;:\"'<>{}\n]*(?:;|(?=[\"'<>\n])|$)")


def _masque_prose(texte, debut, fin, masque, chaine):
    """Protège, dans ``texte[debut:fin]``, tout ce qui n'est pas de la prose."""
    morceau = texte[debut:fin]
    for m in _LIGNE_DE_CODE.finditer(morceau):
        ligne_debut = morceau.rfind("\n", 0, m.start()) + 1
        ligne_fin = morceau.find("\n", m.end())
        masque.proteger(debut + ligne_debut, debut + (ligne_fin if ligne_fin >= 0 else len(morceau)))
    motifs = [_CHAMP_DOCSTRING, _CODE_EN_LIGNE, _SCHEMA_URI, re.compile(r"https?://\S+"),
              _ZONES_MARKDOWN[1], re.compile(r"<[A-Za-z/][^<>]*>"), _ENTITE_HTML, _CSS]
    if chaine:
        motifs = [_ECHAPPEMENT, _SPEC_POURCENT] + motifs
    for motif in motifs:
        for m in motif.finditer(morceau):
            masque.proteger(debut + m.start(), debut + m.end(), coupure=motif is _ECHAPPEMENT)
    _accolades(texte, masque, debut, fin)


def _est_prose_francaise(morceau):
    return " " in morceau and bool(_FRANCAIS.search(morceau)) and bool(re.search(r"[^\W\d_]{2}", morceau))


def _jetons(source):
    """Jetons de ``source`` (lignes magiques IPython blanchies), ou ``None`` si illisible."""
    lignes = source.splitlines(keepends=True)
    blanchi = "".join(re.sub(r"[^\n\r]", " ", ligne) if _MAGIE.match(ligne) else ligne for ligne in lignes)
    try:
        return list(tokenize.generate_tokens(io.StringIO(blanchi).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


def _signature(jetons):
    return [(j.type, "" if j.type in (tokenize.STRING, tokenize.COMMENT) else j.string) for j in jetons]


def editions_python(source: str) -> list[Edition]:
    """Éditions typographiques des chaînes et commentaires français d'un source Python.

    Renvoie ``[]`` si le source ne se découpe pas en jetons (cellule incomplète) : rien
    n'est modifié dans ce cas.
    """
    jetons = _jetons(source)
    if jetons is None:
        return []
    departs = [0]
    for ligne in source.splitlines(keepends=True):
        departs.append(departs[-1] + len(ligne))
    masque = _Masque(len(source))
    masque.proteger(0, len(source), coupure=True)  # hors des chaînes et commentaires : du code
    for jeton in jetons:
        if jeton.type not in (tokenize.STRING, tokenize.COMMENT):
            continue
        debut = departs[jeton.start[0] - 1] + jeton.start[1]
        fin = departs[jeton.end[0] - 1] + jeton.end[1]
        if jeton.type == tokenize.COMMENT:
            if _DIRECTIVE.match(jeton.string) or not _est_prose_francaise(jeton.string):
                continue
            corps = (debut + 1, fin)
        else:
            forme = _CHAINE.match(jeton.string)
            if not forme or set(forme["prefixe"].lower()) & {"r", "b"}:
                continue
            marge = len(forme["prefixe"]) + len(forme["guillemet"])
            corps = (debut + marge, fin - len(forme["guillemet"]))
            if not _est_prose_francaise(source[corps[0]:corps[1]]):
                continue
        local = _Masque(len(source))
        _masque_prose(source, corps[0], corps[1], local, chaine=jeton.type == tokenize.STRING)
        for i in range(*corps):
            masque.protege[i] = local.protege[i]
            masque.coupure[i] = local.coupure[i]
    editions = _editions(source, masque)
    if editions:
        nouveau = _jetons(appliquer(source, editions))
        if nouveau is None or _signature(nouveau) != _signature(jetons):
            return []
    return editions


def corriger_python(source: str) -> str:
    """``source`` Python avec la typographie française appliquée à ses chaînes et commentaires."""
    return appliquer(source, editions_python(source))


# --- Cellules, fichiers -----------------------------------------------------------------------
def editions_cellule(cellule) -> list[Edition]:
    """Éditions de la source d'une cellule de notebook (Markdown, ou code Python)."""
    source = cellule.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    if cellule.get("cell_type") == "markdown":
        return editions_markdown(source)
    if cellule.get("cell_type") == "code":
        return editions_python(source)
    return []


def corriger_cellule(cellule) -> bool:
    """Corrige la source de ``cellule`` en place ; renvoie ``True`` si elle a changé."""
    editions = editions_cellule(cellule)
    if editions:
        source = cellule["source"]
        cellule["source"] = appliquer("".join(source) if isinstance(source, list) else source, editions)
    return bool(editions)


def _editions_texte(chemin, texte):
    if chemin.suffix == ".py":
        return editions_python(texte)
    return editions_markdown(texte, jinja=chemin.suffix == ".j2")


def _extrait(texte, edition):
    debut = max(texte.rfind("\n", 0, edition.debut) + 1, edition.debut - 30)
    fin = texte.find("\n", edition.fin)
    fin = min(fin if fin >= 0 else len(texte), edition.fin + 30)
    visible = {" ": "␣", ESPACE_INSECABLE: "⍽", ESPACE_FINE: "⍽"}
    espace = "".join(visible.get(c, c) for c in texte[edition.debut:edition.fin]) or "∅"
    attendu = "espace fine insécable" if edition.par == ESPACE_FINE else "espace insécable"
    return f"…{texte[debut:edition.debut]}[{espace}→{attendu}]{texte[edition.fin:fin]}…"


def _ligne(texte, position):
    return texte.count("\n", 0, position) + 1


@dataclass
class ResultatFichier:
    """Ce qu'a trouvé (ou corrigé) l'outil dans un fichier."""

    chemin: str
    violations: list[Violation]
    erreur: str = ""
    corrige: bool = False


def traiter_fichier(chemin: Path, *, corriger: bool = False) -> ResultatFichier:
    """Vérifie (et, si ``corriger``, corrige en place) un fichier ``.md``, ``.py``, ``.j2`` ou ``.ipynb``.

    Tout autre type (CSS, HTML, CSV, texte…) est refusé sans être lu : l'outil ne touche
    qu'au Markdown et à la prose française des chaînes et commentaires Python.
    """
    chemin = Path(chemin)
    if chemin.suffix not in SUFFIXES:
        return ResultatFichier(str(chemin), [], "type de fichier non pris en charge "
                               f"({chemin.suffix or 'sans suffixe'})\u00a0: seuls {', '.join(SUFFIXES)} sont traités")
    try:
        texte = chemin.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as erreur:
        return ResultatFichier(str(chemin), [], f"illisible ({erreur})")
    if chemin.suffix == ".ipynb":
        return _traiter_notebook(chemin, texte, corriger=corriger)
    editions = _editions_texte(chemin, texte)
    violations = [Violation(str(chemin), _ligne(texte, e.debut), _extrait(texte, e)) for e in editions]
    if corriger and editions:
        chemin.write_text(appliquer(texte, editions), encoding="utf-8")
    return ResultatFichier(str(chemin), violations, corrige=corriger and bool(editions))


def _traiter_notebook(chemin, texte, *, corriger):
    import nbformat

    try:
        nb = nbformat.reads(texte, as_version=nbformat.NO_CONVERT)
    except Exception as erreur:  # JSON invalide, format inconnu : on le dit, on ne perd rien
        return ResultatFichier(str(chemin), [], f"notebook illisible ({erreur})")
    violations = []
    for numero, cellule in enumerate(nb.cells, start=1):
        source = cellule.source if isinstance(cellule.source, str) else "".join(cellule.source)
        lieu = f"cellule {numero}" + (f", {cellule['id']}" if cellule.get("id") else "")
        for edition in editions_cellule(cellule):
            violations.append(Violation(str(chemin), _ligne(source, edition.debut), _extrait(source, edition), lieu))
        if corriger:
            corriger_cellule(cellule)
    if corriger and violations:
        # Même écriture que nbformat.write (indentation 1, clés triées, UTF-8 non échappé).
        chemin.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return ResultatFichier(str(chemin), violations, corrige=corriger and bool(violations))


def fichiers(chemins: list[Path]) -> list[Path]:
    """Les fichiers traités : ceux donnés, et ceux des dossiers donnés (par suffixe)."""
    trouves = []
    for chemin in map(Path, chemins):
        if chemin.is_dir():
            trouves += sorted(p for p in chemin.rglob("*") if p.is_file() and p.suffix in SUFFIXES
                              and not _IGNORES & set(p.relative_to(chemin).parts))
        else:
            trouves.append(chemin)
    return trouves


# --- Préprocesseur nbgrader -------------------------------------------------------------------
try:
    from nbgrader.preprocessors import NbGraderPreprocessor
except ImportError:  # l'outil en ligne de commande n'a pas besoin de nbgrader
    NbGraderPreprocessor = object


class TypographieFrancaise(NbGraderPreprocessor):
    """Applique la typographie française aux cellules Markdown et aux chaînes des cellules de code.

    Enregistré dans ``c.GenerateAssignment.preprocessors`` avant ``ComputeChecksums`` : le
    notebook étudiant est juste même si le maître a une espace ordinaire devant ``:``.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        corriger_cellule(cell)
        return cell, resources


# --- Ligne de commande ------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Typographie française (espaces insécables) du texte, pas du code.")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--verifier", action="store_true", help="liste les écarts ; code de sortie 1 s'il y en a")
    mode.add_argument("--corriger", action="store_true", help="corrige les fichiers en place")
    parser.add_argument("chemins", nargs="+", type=Path, help="fichiers ou dossiers (.md, .py, .ipynb, .j2)")
    args = parser.parse_args(argv)
    ecarts, erreurs, corriges = 0, 0, 0
    for chemin in fichiers(args.chemins):
        resultat = traiter_fichier(chemin, corriger=args.corriger)
        if resultat.erreur:
            erreurs += 1
            print(f"{resultat.chemin} : {resultat.erreur}", file=sys.stderr)
            continue
        ecarts += len(resultat.violations)
        corriges += resultat.corrige
        if args.verifier:
            for violation in resultat.violations:
                print(violation)
    if args.corriger:
        print(f"{ecarts} espace(s) corrigée(s) dans {corriges} fichier(s).")
        return 2 if erreurs else 0
    print(f"{ecarts} écart(s) à la typographie française." if ecarts else "Typographie française : aucun écart.")
    return 2 if erreurs else (1 if ecarts else 0)


if __name__ == "__main__":
    sys.exit(main())
