"""Paquet à publier aux étudiants (``make release``) : le notebook étudiant et un README, rien d'autre.

Usage : ``python -m autograder.distribution.publication [--dest DOSSIER] [--depot PROPRIÉTAIRE/NOM | aucun]
[--branche BRANCHE]``

Ce dépôt est celui des enseignants : solutions, tests cachés, correction et historique git
restent privés. Seul sort le paquet, disposé comme le dépôt public des étudiants ::

    README.md                      autograder/modeles/LISEZMOI_etudiants.md, complété
    notebooks/tp_diffusion.ipynb   notebook étudiant régénéré avec le badge du dépôt public

Le badge « Ouvrir dans Colab » du notebook et du README ouvre ``notebooks/tp_diffusion.ipynb``
du dépôt ``--depot`` (par défaut ``c.BadgeColab.depot`` d'autograder/nbgrader_config.py), sur la
branche ``--branche``. ``--depot aucun`` : notebook sans badge et README pour un notebook
distribué comme fichier (Moodle, Drive). ``make release`` passe ``PUBLIC_REPO`` et
``PUBLIC_BRANCH`` (ligne de commande ou environnement) en ``--depot`` et ``--branche`` ;
``make student``, lui, ne lit aucune variable d'environnement : le notebook committé ne dépend
que de nbgrader_config.py, sur toute machine.

Garde-fous : la destination ne doit pas être dans l'arbre suivi par git de ce dépôt (un
dossier ignoré comme ``build/`` convient), ne doit contenir qu'un paquet précédent ; le paquet
est construit à part, puis fouillé (voir :func:`fuites`) avant d'être copié dans la destination.
"""
import argparse
import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from string import Template

from autograder.cellules import REGION, TOUTES_LES_REGIONS, secrets, separer_regions, source
from autograder.chemins import ASSIGNMENT, BUILD, NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE, RACINE

DEST_PAR_DEFAUT = BUILD / "publication"
#: Valeur de ``--depot`` (``PUBLIC_REPO``) pour un notebook distribué sans dépôt public.
SANS_BADGE = "aucun"
MODELE_LISEZMOI = RACINE / "autograder" / "modeles" / "LISEZMOI_etudiants.md"
LISEZMOI = Path("README.md")
#: Chemin du notebook dans le paquet : le même que dans ce dépôt (et que dans l'URL du badge).
NOTEBOOK = NOTEBOOK_ETUDIANT.relative_to(RACINE)
CONTENU = (LISEZMOI, NOTEBOOK)

_MARQUEUR_EN_FIN_DE_LIGNE = re.compile(r"#\s*SOLUTION\s*$", re.M)
_DATA_URI = re.compile(r"data:[\w.+/-]+;base64,([A-Za-z0-9+/=\s]+)")
_CLES_NBGRADER = {"cell_type", "checksum", "grade", "grade_id", "locked", "points",
                  "schema_version", "solution", "task"}


class PublicationRefusee(Exception):
    """Publication refusée ; le message (en français) dit pourquoi et quoi faire."""


# --- Destination ----------------------------------------------------------------------------

def _git(*args):
    try:
        return subprocess.run(["git", "-C", str(RACINE), *args], capture_output=True, text=True)
    except FileNotFoundError:
        return None


def _ignore_par_git(relatif):
    """Vrai si ``relatif`` (chemin dans ce dépôt) est ignoré par git et n'a aucun fichier suivi.

    Sans git (ou hors d'un clone), seul ``build/`` est accepté.
    """
    ignore = _git("check-ignore", "-q", "--", str(relatif))
    if ignore is None or ignore.returncode not in (0, 1):
        return relatif.parts[0] == BUILD.name
    suivis = _git("ls-files", "--", str(relatif))
    return ignore.returncode == 0 and not suivis.stdout.strip()


def verifier_destination(dest):
    """Renvoie ``dest`` (absolu) s'il peut recevoir le paquet, lève :class:`PublicationRefusee` sinon.

    Dans ce dépôt, seuls les dossiers ignorés par git (``build/``…) sont acceptés : un paquet
    écrit dans l'arbre suivi pourrait être committé, et la destination, poussée telle quelle,
    emporterait avec elle ce dépôt. Le dossier doit être vide, ou ne contenir qu'un paquet
    précédent (et éventuellement le ``.git`` du dépôt public dont il est un clone).
    """
    dest = Path(dest).expanduser().resolve()
    if dest == RACINE or RACINE in dest.parents:
        relatif = dest.relative_to(RACINE)
        if dest == RACINE or relatif.parts[0] == ".git" or not _ignore_par_git(relatif):
            raise PublicationRefusee(
                f"refus d'écrire le paquet dans « {dest} » : ce dossier fait partie de l'arbre "
                "suivi par git de ce dépôt, qui contient les solutions. Choisissez un dossier "
                f"ignoré par git (par défaut {DEST_PAR_DEFAUT.relative_to(RACINE)}/) ou hors du "
                "dépôt, par exemple un clone du dépôt public des étudiants."
            )
    if dest.exists() and not dest.is_dir():
        raise PublicationRefusee(f"« {dest} » existe et n'est pas un dossier.")
    intrus = []
    if dest.is_dir():
        for chemin in sorted(dest.iterdir()):
            if chemin.name == ".git":
                continue
            if chemin.name == LISEZMOI.name and chemin.is_file():
                continue
            if chemin.name == NOTEBOOK.parts[0] and chemin.is_dir() and not chemin.is_symlink():
                intrus += [p for p in sorted(chemin.rglob("*")) if p.relative_to(dest) != NOTEBOOK]
                continue
            intrus.append(chemin)
    if intrus:
        liste = ", ".join(str(p.relative_to(dest)) for p in intrus[:5]) + (" …" if len(intrus) > 5 else "")
        raise PublicationRefusee(
            f"« {dest} » contient autre chose que le paquet ({liste}). Le paquet ne doit rien "
            "publier d'autre : choisissez un dossier vide, ou videz celui-ci."
        )
    return dest


# --- Badge et README ------------------------------------------------------------------------

def reglages_badge(depot="", branche=""):
    """Le préprocesseur ``BadgeColab`` configuré pour la publication.

    ``depot`` et ``branche`` vides : valeurs de nbgrader_config.py ; ``depot="aucun"`` : sans badge.
    """
    from traitlets import TraitError
    from traitlets.config import Config

    from autograder.cours import configuration
    from autograder.distribution.preprocessors import DEPOT_A_RENSEIGNER, BadgeColab

    config = configuration(BUILD)
    reglages = {}
    if depot:
        reglages["depot"] = "" if depot.strip().lower() == SANS_BADGE else depot
    if branche:
        reglages["branche"] = branche
    config.merge(Config({"BadgeColab": reglages}))
    try:
        badge = BadgeColab(config=config)
    except TraitError as erreur:
        raise PublicationRefusee(
            f"{erreur} Exemple : make release PUBLIC_REPO=propriétaire/nom PUBLIC_BRANCH=main") from None
    if badge.depot == DEPOT_A_RENSEIGNER:
        raise PublicationRefusee(
            f"le badge Colab pointerait vers « {DEPOT_A_RENSEIGNER} », valeur d'exemple de "
            "c.BadgeColab.depot (autograder/nbgrader_config.py). Indiquez le dépôt GitHub public "
            "des étudiants : make release PUBLIC_REPO=propriétaire/nom ; ou, pour un notebook "
            f"déposé sur Moodle ou Drive, sans badge : make release PUBLIC_REPO={SANS_BADGE}"
        )
    if badge.chemin(ASSIGNMENT) != NOTEBOOK.as_posix():
        raise PublicationRefusee(
            f"le badge ouvrirait « {badge.chemin(ASSIGNMENT)} », mais le paquet place le notebook en "
            f"« {NOTEBOOK.as_posix()} » : gardez c.BadgeColab.dossier = \"{NOTEBOOK.parent.as_posix()}\"."
        )
    return badge


def lisezmoi(badge, modele=MODELE_LISEZMOI):
    """Texte du README étudiant : le modèle, avec le bloc de la mise en place choisie."""
    from autograder.distribution.preprocessors import ligne_badge

    texte = modele.read_text(encoding="utf-8")
    garde = "github" if badge.depot else "fichier"

    def bloc(m):
        return m.group(2) if m.group(1) == garde else ""

    texte = re.sub(r"<!-- si: (\w+) -->\n(.*?)<!-- fin -->\n", bloc, texte, flags=re.S)
    texte = re.sub(r"<!--.*?-->\n?", "", texte, flags=re.S)
    chemin = NOTEBOOK.as_posix()
    valeurs = {"notebook": chemin, "badge": ligne_badge(badge.depot, badge.branche, chemin) if badge.depot else ""}
    return Template(texte).substitute(valeurs)


def generer_notebook(destination, badge, maitre=NOTEBOOK_MAITRE):
    """Écrit le notebook étudiant, généré par nbgrader comme ``make student``, avec ce badge."""
    from autograder.distribution.etudiant import generer

    return generer(destination, maitre, BadgeColab={"depot": badge.depot, "branche": badge.branche})


# --- Recherche de fuites --------------------------------------------------------------------

def secrets_du_maitre(maitre=NOTEBOOK_MAITRE):
    """Lignes secrètes du maître : régions de solution et de tests cachés, lignes « # SOLUTION ».

    Pour une ligne « cible = expression  # SOLUTION », l'expression seule est aussi un secret.
    Une ligne trop courte (12 caractères au plus), ou écrite en clair ailleurs dans le maître
    (code fourni, tests visibles, énoncé), n'en est pas un.
    """
    from autograder.distribution.preprocessors import MARQUEUR_SOLUTION

    caches, publiques = [], []
    for cellule in json.loads(Path(maitre).read_text(encoding="utf-8"))["cells"]:
        dedans, dehors = separer_regions(source(cellule), regions=TOUTES_LES_REGIONS)
        caches += dedans
        for ligne in dehors:
            if MARQUEUR_SOLUTION.search(ligne):
                code = MARQUEUR_SOLUTION.sub("", ligne)
                caches.append(code)
                affectation = re.match(r"^[^=]+?[^=!<>]=(?!=)(.+)$", code)
                if affectation:
                    caches.append(affectation.group(1))
            else:
                publiques.append(ligne)
    return secrets(caches, publiques)


def _chaines(valeur):
    """Toutes les chaînes d'un document JSON (clés comprises ; listes de lignes recollées)."""
    if isinstance(valeur, str):
        yield valeur
    elif isinstance(valeur, dict):
        for cle, sous_valeur in valeur.items():
            yield cle
            yield from _chaines(sous_valeur)
    elif isinstance(valeur, list):
        if valeur and all(isinstance(v, str) for v in valeur):
            yield "".join(valeur)
        for sous_valeur in valeur:
            yield from _chaines(sous_valeur)


def _morceaux_png(donnees):
    """Textes d'une image PNG : morceaux tEXt, zTXt et iTXt décompressés, pixels décompressés."""
    i, pixels = 8, b""
    while i + 8 <= len(donnees):
        taille = int.from_bytes(donnees[i:i + 4], "big")
        genre, corps = donnees[i + 4:i + 8], donnees[i + 8:i + 8 + taille]
        i += 12 + taille
        if genre == b"IDAT":
            pixels += corps
        elif genre == b"zTXt":
            cle, _, reste = corps.partition(b"\0")
            yield cle + b"\0" + zlib.decompress(reste[1:])
        elif genre == b"iTXt":
            cle, _, reste = corps.partition(b"\0")
            compresse, reste = reste[:1] == b"\1", reste[2:]
            langue, _, reste = reste.partition(b"\0")
            cle_traduite, _, texte = reste.partition(b"\0")
            yield b"\0".join([cle, langue, cle_traduite, zlib.decompress(texte) if compresse else texte])
        else:
            yield corps
    if pixels:
        yield zlib.decompress(pixels)


def _decodes(base64_texte, lieu):
    """Contenu décodé d'une pièce jointe ou d'une URI data: (et, pour un PNG, ses morceaux)."""
    donnees = base64.b64decode(re.sub(r"\s", "", base64_texte))
    yield lieu, donnees
    if donnees.startswith(b"\x89PNG\r\n\x1a\n"):
        for morceau in _morceaux_png(donnees):
            yield f"{lieu} (PNG décodé)", morceau


def contenus(dossier):
    """(lieu, texte ou octets) de tout ce que contient le paquet ``dossier``, décodé."""
    dossier = Path(dossier)
    for fichier in sorted(p for p in dossier.rglob("*") if p.is_file()):
        nom = str(fichier.relative_to(dossier))
        brut = fichier.read_bytes()
        yield nom, brut
        texte = brut.decode("utf-8", errors="replace")
        yield nom, texte
        for uri in _DATA_URI.findall(texte):
            yield from _decodes(uri, f"{nom}, URI data:")
        try:
            document = json.loads(texte)
        except ValueError:
            continue
        for chaine in _chaines(document):
            yield nom, chaine
        for cellule in document.get("cells", []) if isinstance(document, dict) else []:
            for piece, formats in (cellule.get("attachments") or {}).items():
                for mime, donnees in formats.items():
                    donnees = donnees if isinstance(donnees, str) else "".join(donnees)
                    lieu = f"{nom}, pièce jointe {piece} ({mime})"
                    try:
                        yield from _decodes(donnees, lieu)
                    except (ValueError, zlib.error):
                        yield lieu, "PIÈCE JOINTE ILLISIBLE"


def _verifier_notebook(nom, notebook):
    """Problèmes propres aux notebooks : sorties, métadonnées et sommes de contrôle nbgrader."""
    from nbgrader.utils import compute_checksum

    problemes = []
    for cellule in notebook.cells:
        identite = f"{nom}, cellule {cellule.get('id')}"
        if cellule.get("outputs") or cellule.get("execution_count") is not None:
            problemes.append(f"{identite} : sorties ou compteur d'exécution non vidés")
        meta = cellule.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if set(meta) - _CLES_NBGRADER:
            problemes.append(f"{identite} : métadonnées nbgrader inattendues {sorted(set(meta) - _CLES_NBGRADER)}")
        if "checksum" in meta and meta["checksum"] != compute_checksum(cellule):
            # La somme de contrôle doit être celle de la cellule publiée, jamais celle du maître.
            problemes.append(f"{identite} : somme de contrôle nbgrader d'un autre contenu que la cellule publiée")
    return problemes


def fuites(dossier, secrets=None):
    """Tout ce qui, dans le paquet ``dossier``, trahit le maître ; liste vide si rien."""
    import nbformat

    secrets = secrets_du_maitre() if secrets is None else secrets
    trouvees = []
    for lieu, contenu in contenus(dossier):
        if isinstance(contenu, bytes):
            trouvees += [f"{lieu} : ligne secrète « {s} »" for s in secrets if s.encode("utf-8") in contenu]
            continue
        trouvees += [f"{lieu} : ligne secrète « {s} »" for s in secrets if s in contenu]
        if contenu == "PIÈCE JOINTE ILLISIBLE":
            trouvees.append(f"{lieu} : pièce jointe illisible, impossible de la fouiller")
        for motif in (REGION, _MARQUEUR_EN_FIN_DE_LIGNE):
            trouvees += [f"{lieu} : marqueur nbgrader « {m.group(0)} »" for m in motif.finditer(contenu)]
    for fichier in sorted(Path(dossier).rglob("*.ipynb")):
        notebook = nbformat.reads(fichier.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)
        trouvees += _verifier_notebook(str(fichier.relative_to(dossier)), notebook)
    return list(dict.fromkeys(trouvees))


# --- Publication ----------------------------------------------------------------------------

def publier(dest=DEST_PAR_DEFAUT, depot="", branche=""):
    """Écrit le paquet étudiant dans ``dest`` ; renvoie ``dest`` (absolu) et le badge."""
    dest = verifier_destination(dest)
    badge = reglages_badge(depot, branche)
    with tempfile.TemporaryDirectory(prefix="paquet_etudiant_") as brouillon:
        brouillon = Path(brouillon)
        generer_notebook(brouillon / NOTEBOOK, badge)
        (brouillon / LISEZMOI).write_text(lisezmoi(badge), encoding="utf-8")
        trouvees = fuites(brouillon)
        if trouvees:
            raise PublicationRefusee(
                "le paquet trahirait le maître, rien n'a été écrit :\n  " + "\n  ".join(trouvees[:20])
            )
        for relatif in CONTENU:
            (dest / relatif).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(brouillon / relatif, dest / relatif)
    return dest, badge


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default="",
                        help=f"dossier du paquet (défaut : {DEST_PAR_DEFAUT.relative_to(RACINE)})")
    parser.add_argument("--depot", default="", help="dépôt GitHub public « propriétaire/nom », ou « aucun »")
    parser.add_argument("--branche", default="", help="branche du dépôt public (défaut : nbgrader_config.py)")
    args = parser.parse_args(argv)
    try:
        dest, badge = publier(args.dest or DEST_PAR_DEFAUT, args.depot, args.branche)
    except PublicationRefusee as refus:
        print(f"make release : {refus}", file=sys.stderr)
        return 2
    print(f"Paquet étudiant écrit dans {dest} :")
    for relatif in CONTENU:
        print(f"  {relatif.as_posix()}")
    if badge.depot:
        from autograder.distribution.preprocessors import url_colab

        print(f"Badge « Ouvrir dans Colab » : {url_colab(badge.depot, badge.branche, NOTEBOOK.as_posix())}")
        print(f"À publier tel quel sur la branche {badge.branche} de github.com/{badge.depot} : un dépôt "
              "à part, sans l'historique de ce dépôt-ci.")
    else:
        print("Sans badge : déposez notebooks/tp_diffusion.ipynb et le README sur Moodle ou Drive.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
