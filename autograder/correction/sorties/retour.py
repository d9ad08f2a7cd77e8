"""Une page de retour digne d'être envoyée : lisible hors ligne, légère, sans rien du correcteur.

Le préprocesseur :class:`RetourLisible`, dernier de ``c.GenerateFeedback.preprocessors``,
prépare le notebook corrigé pour le modèle ``autograder/modeles/feedback/index.html.j2`` :

- noms lisibles des vérifications et des réponses (« Vérification de l'exercice 2 (partie a) »
  plutôt que ``ex2a_verif``) et points à la française (« 1,5 / 2 ») ;
- formules rendues d'avance en MathML (``latex2mathml``) : ni MathJax, ni CDN, ni TeX brut ;
- pas de badge « Ouvrir dans Colab » (le retour n'est pas le TP à ouvrir), pas de sortie
  qui parle de la machine du correcteur (la cellule qui cherche un GPU), pas de chemin du
  correcteur dans les traces (``/…/.venv/lib/python3.11/site-packages/`` devient ``…/``) ;
- pages légères : sorties de plus de 1 000 lignes ou 50 000 caractères coupées (début et fin),
  traces d'erreur de plus de 6 000 caractères aussi (premier et deux derniers appels), flux lus
  comme un terminal (une barre de progression
  n'en laisse qu'une ligne), figures réduites (480 px de large au plus ; schémas du TP,
  640 px en 8 couleurs) et réencodées en WebP, code coloré sans une balise par nom ni par
  signe de ponctuation (mots-clés et commentaires seulement), une feuille de style courte ;
- 300 ko par page au plus, quoi que la remise affiche (``autograder.correction.sorties.poids_retour``).

Le nom de l'étudiant et sa note finale (ajustements compris) n'y sont pas encore connus :
``nommer_retour`` les écrit dans le titre et l'en-tête, à la finalisation de la correction.
"""
import base64
import html
import io
import re

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.chemins import RACINE
from autograder.correction.execution.releves import OUTILS
from autograder.correction.sorties.poids_retour import garder_types_affiches, tenir_dans_la_page
from autograder.correction.sorties.poids_retour import texte_de as _texte_b64

#: Largeur maximale (pixels) et qualité WebP des figures produites par la remise…
LARGEUR_FIGURE, QUALITE_WEBP = 480, 30
#: … et des schémas du TP (pièces jointes du markdown : des traits et du texte, en 8 couleurs
#: sans perte, plus nets et plus légers qu'en WebP avec perte).
LARGEUR_SCHEMA, COULEURS_SCHEMA = 640, 8

#: Classes Pygments gardées : mots-clés et commentaires. Les autres jetons (noms, chaînes,
#: nombres, ponctuation, opérateurs, blancs, morceaux de f-chaînes) restent du texte simple.
CLASSES_GARDEES = frozenset({"k", "kn", "kc", "kd", "kr", "ow", "sd",
                             "c", "c1", "cm", "ch", "cs"})


def nombre_fr(x) -> str:
    """``18.5`` -> ``18,5`` ; ``2.0`` -> ``2`` (deux décimales au plus)."""
    try:
        return f"{round(float(x), 2):g}".replace(".", ",")
    except (TypeError, ValueError):
        return "0"


_VERIF = re.compile(r"^ex(\d+)([a-z]?)_verif$")
_REPONSE = re.compile(r"^ex(\d+)_reponse$")


def titre_cellule(grade_id: str, *, solution: bool = False) -> str:
    """Nom lisible d'une cellule notée ou de réponse, d'après son ``grade_id``."""
    trouve = _VERIF.match(grade_id or "")
    if trouve:
        partie = f" (partie {trouve[2]})" if trouve[2] else ""
        return f"Vérification de l'exercice {trouve[1]}{partie}"
    trouve = _REPONSE.match(grade_id or "")
    if trouve:
        return f"votre réponse à l'exercice {trouve[1]}"
    return "une partie facultative" if solution else (grade_id or "cellule")


# -- chemins et sorties du correcteur -----------------------------------------------------------
_CHEMIN_PAQUETS = re.compile(r"(?:/[^\s/\"'<>:()]+)+/(?:site|dist)-packages/")
_CHEMIN_PYTHON = re.compile(r"(?:/[^\s/\"'<>:()]+)*/lib/python3\.\d+/")


def sans_chemins(texte: str) -> str:
    """Retire d'un texte (trace, message) les chemins de la machine du correcteur."""
    texte = _CHEMIN_PAQUETS.sub("…/", texte)
    texte = _CHEMIN_PYTHON.sub("…/python/", texte)
    return texte.replace(str(RACINE) + "/", "").replace(str(RACINE), "…")


#: La cellule des outils des vérifications (fournie, la même pour tous, 533 lignes : le module des
#: vérifications et ses empreintes) : une ligne dans le retour au lieu de son code.
CODE_DES_OUTILS = "# Outils des vérifications : fournis, les mêmes pour tous (voir le notebook du TP)."

#: Taille maximale du texte d'une sortie dans le retour (caractères, lignes) : au-delà, début et fin.
#: Assez pour toute sortie ordinaire (et pour ce qu'une remise hostile affiche de ses tentatives) ;
#: une boucle qui affiche des milliers de lignes ne fait plus que le début et la fin.
LIMITE_SORTIE, LIMITE_LIGNES = 50_000, 1000
#: Taille maximale d'une trace d'erreur (caractères) : les appels internes des bibliothèques n'aident pas l'étudiant.
LIMITE_TRACE = 6000


def couper(texte: str, limite: int = LIMITE_SORTIE, lignes: int = LIMITE_LIGNES) -> str:
    """``texte`` s'il est court ; sinon son début et sa fin (coupés entre deux lignes) et ce qui manque.

    Court : au plus ``limite`` caractères et ``lignes`` lignes (sinon 10 lignes de début et 40 de fin)."""
    morceaux = texte.split("\n")
    if len(texte) <= limite and len(morceaux) <= lignes:
        return texte
    if len(morceaux) > lignes:
        debut, fin = "\n".join(morceaux[:lignes // 10]) + "\n", "\n".join(morceaux[-(lignes * 3 // 10):])
    else:
        debut, fin = texte[: limite // 4], texte[-(limite * 3 // 4):]
    debut = debut[: limite // 4]
    debut = debut[: debut.rfind("\n") + 1] or debut
    fin = fin[-(limite * 3 // 4):]
    fin = fin[fin.find("\n") + 1:] if "\n" in fin and len(fin) >= limite * 3 // 4 else fin
    manque = len(texte) - len(debut) - len(fin)
    return f"{debut}[… {manque} caractères coupés dans ce retour …]\n{fin}"


def couper_trace(trace: list, limite: int = LIMITE_TRACE) -> list:
    """Trace d'erreur (une entrée par cadre) : la première et les deux dernières entrées si elle est longue."""
    if sum(len(ligne) for ligne in trace) <= limite:
        return trace
    garde = trace if len(trace) <= 3 else [trace[0], f"[… {len(trace) - 3} appel(s) intermédiaire(s) coupé(s) "
                                                     "dans ce retour …]", *trace[-2:]]
    return [couper(ligne, limite // 3) for ligne in garde]


def _est_sortie_du_correcteur(cellule) -> bool:
    """La cellule qui cherche un GPU : sa sortie décrit la machine du correcteur, pas l'étudiant."""
    return "list_physical_devices" in cellule.source


_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*colab-badge[^)]*\)\]\([^)]*\)\s*")


def texte_terminal(texte: str) -> str:
    """Ce qu'un terminal affiche de ``texte`` : « \\b » efface le caractère précédent, « \\r » revient en
    début de ligne (barres de progression de Keras : seule la dernière reste)."""
    lignes = []
    for ligne in texte.split("\n"):
        ecran = []
        for morceau in ligne.split("\r"):
            courant = []
            for c in morceau:
                if c == "\b":
                    if courant:
                        courant.pop()
                else:
                    courant.append(c)
            if courant or not ecran:
                ecran = courant
        lignes.append("".join(ecran))
    return "\n".join(lignes)


def flux_regroupes(sorties: list) -> list:
    """Sorties d'une cellule, les flux consécutifs du même nom réunis et lus comme un terminal."""
    resultat = []
    for sortie in sorties:
        if (sortie.get("output_type") == "stream" and resultat
                and resultat[-1].get("output_type") == "stream" and resultat[-1].get("name") == sortie.get("name")):
            resultat[-1]["text"] = _texte_b64(resultat[-1]["text"]) + _texte_b64(sortie.get("text", ""))
        else:
            resultat.append(sortie)
    for sortie in resultat:
        if sortie.get("output_type") == "stream":
            texte = texte_terminal(_texte_b64(sortie.get("text", "")))
            sortie["text"] = re.sub(r"\n{3,}", "\n\n", texte)
    return resultat


# -- figures --------------------------------------------------------------------------------------
def figure_webp(donnees_b64: str, largeur: int = LARGEUR_FIGURE, qualite: int = QUALITE_WEBP,
                couleurs: int | None = None) -> str | None:
    """Figure (base64, PNG ou JPEG) réduite à ``largeur`` pixels et réencodée en WebP (base64) :
    avec perte (``qualite``), ou sans perte en ``couleurs`` couleurs. None si elle ne se lit
    pas ou si le WebP n'est pas plus petit."""
    from PIL import Image

    try:
        brut = base64.b64decode(donnees_b64)
        image = Image.open(io.BytesIO(brut))
        image.load()
    except Exception:  # noqa: BLE001 — figure illisible : laissée telle quelle
        return None
    rgba = image.convert("RGBA")
    fond = Image.new("RGB", rgba.size, "white")
    fond.paste(rgba, mask=rgba.split()[3])
    if fond.width > largeur:
        fond = fond.resize((largeur, max(1, round(fond.height * largeur / fond.width))), Image.LANCZOS)
    tampon = io.BytesIO()
    if couleurs:
        fond.quantize(couleurs).save(tampon, "WEBP", lossless=True, method=6)
    else:
        fond.save(tampon, "WEBP", quality=qualite, method=6)
    if tampon.tell() >= len(brut):
        return None
    return base64.b64encode(tampon.getvalue()).decode("ascii")



# -- formules ------------------------------------------------------------------------------------
_ENTITE = re.compile(r"&#x([0-9A-Fa-f]+);")
_GARDER_ENTITE = set('<>&"*_`[]\\$')
_MROW = re.compile(r"</?mrow>")


def _sans_mrow_de_tete(rendu: str) -> str:
    """``<math><mrow>…</mrow></math>`` -> ``<math>…</math>`` quand ce ``mrow`` englobe tout."""
    trouve = re.fullmatch(r"(<math[^>]*>)<mrow>(.*)</mrow>(</math>)", rendu, re.S)
    if not trouve:
        return rendu
    profondeur = 0
    for balise in _MROW.findall(trouve[2]):
        profondeur += 1 if balise == "<mrow>" else -1
        if profondeur < 0:  # le premier mrow se ferme avant la fin : il n'englobe pas tout
            return rendu
    return trouve[1] + trouve[2] + trouve[3]


def mathml(tex: str, *, bloc: bool = False) -> str | None:
    """MathML compact d'une formule TeX (None si latex2mathml ne la comprend pas)."""
    from latex2mathml.converter import convert

    try:
        rendu = convert(tex.strip(), display="block" if bloc else "inline")
    except Exception:  # noqa: BLE001 — formule non comprise : laissée en TeX
        return None

    def caractere(trouve):
        c = chr(int(trouve[1], 16))
        return trouve[0] if c in _GARDER_ENTITE or not c.isprintable() else c

    rendu = _ENTITE.sub(caractere, rendu)
    rendu = rendu.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "").replace(' display="inline"', "")
    return _sans_mrow_de_tete(rendu)


_PROTEGE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.S)
_BLOC = re.compile(r"\$\$(.+?)\$\$", re.S)
_EN_LIGNE = re.compile(r"(?<![\\$])\$(?!\$)([^$]+?)(?<!\\)\$")


def formules_en_mathml(page: str) -> str:
    """Remplace les formules ``$…$`` et ``$$…$$`` d'un HTML (rendu du markdown) par du MathML,
    hors ``<pre>`` et ``<code>``."""
    def convertir(texte):
        def bloc(t):
            return mathml(html.unescape(t[1]), bloc=True) or t[0]

        def en_ligne(t):
            return mathml(html.unescape(t[1])) or t[0]

        return _EN_LIGNE.sub(en_ligne, _BLOC.sub(bloc, texte))

    morceaux = _PROTEGE.split(page)
    return "".join(m if i % 2 else convertir(m) for i, m in enumerate(morceaux))


# -- code ----------------------------------------------------------------------------------------
_SPAN = re.compile(r'<span class="([\w-]+)">([^<]*)</span>')


def code_compact(source: str) -> str:
    """Code Python coloré (HTML, sans ``<pre>``) avec seulement les jetons utiles à la lecture."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    colore = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True))
    colore = _SPAN.sub(lambda t: t[0] if t[1] in CLASSES_GARDEES else t[2], colore)
    return colore.rstrip("\n")


# -- le préprocesseur ----------------------------------------------------------------------------
class RetourLisible(NbGraderPreprocessor):
    """Prépare le notebook corrigé pour une page de retour lisible et légère (voir le module)."""

    def preprocess(self, nb, resources):
        from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

        nbgrader = resources.setdefault("nbgrader", {})
        resources["retour"] = {"note": nombre_fr(nbgrader.get("score", 0)),
                               "maximum": nombre_fr(nbgrader.get("max_score", 20))}
        cellules = []
        for cellule in nb.cells:
            meta = cellule.metadata.get("nbgrader", {})
            if cellule.cell_type == "markdown":
                source = _BADGE.sub("", cellule.source)
                if not source.strip() and not meta:
                    continue
                attachments = cellule.get("attachments", {})
                for fichier in attachments.values():
                    for type_ in [t for t in fichier if t in ("image/png", "image/jpeg")]:
                        webp = figure_webp(_texte_b64(fichier[type_]), LARGEUR_SCHEMA, couleurs=COULEURS_SCHEMA)
                        if webp:
                            del fichier[type_]
                            fichier["image/webp"] = webp
                rendu = MarkdownWithMath(renderer=IPythonRenderer(
                    escape=False, attachments=attachments, embed_images=True,
                    exclude_anchor_links=True)).render(source)
                cellule.metadata["retour"] = {"html": formules_en_mathml(rendu)}
            elif cellule.cell_type == "code":
                if meta.get("grade_id") == OUTILS:  # la page (et son poids) n'en montre qu'une ligne
                    cellule.source = CODE_DES_OUTILS
                cellule.metadata["retour"] = {"code": code_compact(cellule.source)}
                if _est_sortie_du_correcteur(cellule):
                    cellule.outputs = []
                cellule.outputs = flux_regroupes(cellule.get("outputs", []))
                for sortie in cellule.outputs:
                    self._nettoyer_sortie(sortie)
            if meta.get("grade_id"):
                retour = cellule.metadata.setdefault("retour", {})
                retour["titre"] = titre_cellule(meta["grade_id"], solution=bool(meta.get("solution")))
                if meta.get("grade"):
                    retour["points"] = f"{nombre_fr(meta.get('score'))} / {nombre_fr(meta.get('points'))}"
            cellules.append(cellule)
        tenir_dans_la_page(cellules)
        nb.cells = cellules
        return nb, resources

    @staticmethod
    def _nettoyer_sortie(sortie):
        garder_types_affiches(sortie)
        if sortie.get("output_type") == "stream":
            sortie["text"] = couper(sans_chemins(_texte_b64(sortie.get("text", ""))))
        elif sortie.get("output_type") == "error":
            sortie["traceback"] = couper_trace([sans_chemins(ligne) for ligne in sortie.get("traceback", [])])
            sortie["evalue"] = couper(sans_chemins(str(sortie.get("evalue", ""))))
        donnees = sortie.get("data")
        if not donnees:
            return
        if "text/plain" in donnees:
            donnees["text/plain"] = couper(sans_chemins(_texte_b64(donnees["text/plain"])))
        if "text/html" in donnees and len(_texte_b64(donnees["text/html"])) > LIMITE_SORTIE:
            del donnees["text/html"]  # un tableau démesuré : son texte brut, coupé, suffit
        for type_ in ("image/png", "image/jpeg"):
            if type_ in donnees:
                webp = figure_webp(_texte_b64(donnees[type_]))
                if webp:
                    donnees[type_] = webp
                    sortie.setdefault("metadata", {})["retour"] = {"format": "webp"}


# -- à la finalisation : nom et note finale ---------------------------------------------------------
_TITRE = re.compile(r"<title>.*?</title>", re.S)
_NOM = re.compile(r'(<span class="retour-nom">).*?(</span>)', re.S)
_NOTE = re.compile(r'(<span class="retour-note">).*?(</span>)', re.S)


def nommer_retour(chemin, nom: str, note_sur_20: float) -> bool:
    """Écrit le nom de l'étudiant et sa note finale dans le titre et l'en-tête du retour ``chemin``.

    Idempotent ; renvoie True si le fichier a changé (False s'il est absent ou illisible).
    """
    from pathlib import Path

    try:
        texte = Path(chemin).read_text(encoding="utf-8")
    except OSError:
        return False
    note = nombre_fr(note_sur_20)
    nom_html = html.escape(nom, quote=False)
    titre = f"<title>TP « Modèles de diffusion » — {nom_html} — {note}\u00a0/\u00a020</title>"
    nouveau = _TITRE.sub(lambda _: titre, texte, count=1)
    nouveau = _NOM.sub(lambda t: f"{t[1]}{nom_html}{t[2]}", nouveau)
    nouveau = _NOTE.sub(lambda t: f"{t[1]}Note\u00a0: {note}\u00a0/\u00a020{t[2]}", nouveau)
    if nouveau == texte:
        return False
    Path(chemin).write_text(nouveau, encoding="utf-8")
    return True
