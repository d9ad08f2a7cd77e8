"""Trouver les remises d'une classe et les lire, quoi que les étudiants leur aient fait.

Un dossier de remises contient, tels que téléchargés (Colab, Drive, Moodle) :
``<étudiant>.ipynb`` ou ``<étudiant>/<nom quelconque>.ipynb``. L'identifiant de l'étudiant
est le nom du fichier ou du dossier (accents et espaces admis).
"""
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class Remise:
    """Une remise : ``participant`` et ``nom_complet`` viennent du nom Moodle de premier niveau (sinon None)."""
    etudiant: str
    chemin: Path
    remarques: list = field(default_factory=list)
    participant: str | None = None
    nom_complet: str | None = None

    @property
    def id_interne(self):
        """Identifiant stable et sûr pour nbgrader (noms de dossiers, base de données)."""
        return "e" + hashlib.sha1(self.etudiant.encode("utf-8")).hexdigest()[:12]

    def empreinte(self):
        try:
            return hashlib.sha256(self.chemin.read_bytes()).hexdigest()
        except OSError:  # fichier illisible : la correction le dira, sans arrêter la classe
            return None


#: Longueur maximale, en octets UTF-8, d'un nom de fichier tiré du nom d'un étudiant (retour
#: HTML) : les systèmes de fichiers en acceptent 255, et l'archivage ajoute un horodatage.
OCTETS_MAX_NOM = 120


def nom_de_fichier(etudiant: str, suffixe: str) -> str:
    """``etudiant + suffixe``, ou, s'il dépasse ``OCTETS_MAX_NOM`` octets, le début du nom suivi
    d'une empreinte du nom entier (deux noms longs au même début restent distincts). Le nom
    entier reste dans les CSV et les pages."""
    if len((etudiant + suffixe).encode("utf-8")) <= OCTETS_MAX_NOM:
        return etudiant + suffixe
    empreinte = hashlib.sha1(etudiant.encode("utf-8")).hexdigest()[:10]
    debut = etudiant.encode("utf-8")[:OCTETS_MAX_NOM - len(suffixe.encode("utf-8")) - 11]
    return f"{debut.decode('utf-8', 'ignore').rstrip()}-{empreinte}{suffixe}"


#: Dossier (ou fichier) d'un téléchargement groupé de devoir Moodle :
#: « Prénom Nom_123456_assignsubmission_file_ » : le nom complet, puis le numéro de participant.
#: Seul endroit qui connaît ce format (identifiants ici, retours pour Moodle dans retours_moodle.py).
MOODLE = re.compile(r"^(?P<nom>.+?)_(?P<participant>\d+)_assignsubmission_")


def nom_moodle(nom):
    """``(nom complet, numéro de participant)`` d'un nom d'entrée de premier niveau Moodle, sinon None.

    « Prénom Nom_123456_assignsubmission_file_ » (dossier) ou
    « Prénom Nom_123456_assignsubmission_file_tp » (fichier, sans son suffixe ``.ipynb``).
    """
    nom = unicodedata.normalize("NFC", nom)
    trouve = MOODLE.match(nom)
    if trouve and re.fullmatch(r"\w+?_?", nom[trouve.end():]):
        return trouve["nom"].strip(), trouve["participant"]
    return None


def _identifiant(nom):
    """« Prénom Nom_123456_assignsubmission_file_ » -> « Prénom Nom » ; les autres noms tels quels."""
    moodle = nom_moodle(nom)
    return moodle[0] if moodle else unicodedata.normalize("NFC", nom).strip()


def identifiant_homonyme(nom_complet, participant):
    """Identifiant d'un étudiant dont le nom est porté par plusieurs participants Moodle."""
    return f"{nom_complet} ({participant})"


def _ignore(chemin):
    return any(partie.startswith(".") for partie in chemin.parts) or ".ipynb_checkpoints" in chemin.parts


def _date(chemin):
    try:
        return chemin.stat().st_mtime
    except OSError:
        return 0.0


def _cle(nom):
    """``(identifiant, participant, nom complet)`` d'une entrée de premier niveau."""
    moodle = nom_moodle(nom)
    return (moodle[0], moodle[1], moodle[0]) if moodle else (_identifiant(nom), None, None)


def _separer_homonymes(candidats):
    """Regroupe par identifiant ; un nom porté par plusieurs numéros de participant est scindé.

    Un seul numéro pour un nom (avec, peut-être, une remise sans nom Moodle au même nom) :
    un seul étudiant, au numéro de ce participant. Plusieurs numéros : un étudiant par
    numéro, « Nom (numéro) », et les remises sans numéro gardent le nom seul.
    """
    par_nom = {}
    for (nom, participant, nom_complet), chemins in candidats.items():
        par_nom.setdefault(nom, {}).setdefault(participant, (nom_complet, []))[1].extend(chemins)
    groupes = {}
    for nom, par_participant in par_nom.items():
        numeros = [p for p in par_participant if p is not None]
        if len(numeros) <= 1:
            participant = numeros[0] if numeros else None
            nom_complet = par_participant[participant][0] if numeros else None
            groupes[(nom, participant, nom_complet)] = [c for _, chemins in par_participant.values() for c in chemins]
            continue
        for participant, (nom_complet, chemins) in par_participant.items():
            cle = ((identifiant_homonyme(nom, participant), participant, nom_complet) if participant
                   else (nom, None, None))
            groupes[cle] = chemins
    return groupes


def decouvrir(dossier):
    """Renvoie ``(soumissions, ignores)`` : une remise par étudiant, triées par identifiant.

    Quand un étudiant a plusieurs notebooks (deux remises, un dossier avec deux fichiers),
    on garde le plus récent (date de modification) et on le dit dans ses remarques.
    ``ignores`` liste les fichiers qui ne sont pas des notebooks.
    """
    dossier = Path(dossier)
    if not dossier.is_dir():
        raise FileNotFoundError(f"Dossier de remises introuvable : {dossier}")
    candidats, ignores = {}, []  # (identifiant, participant ou None) -> notebooks
    for entree in sorted(dossier.iterdir()):
        if _ignore(entree.relative_to(dossier)):
            continue
        if entree.is_file():
            if entree.suffix.lower() == ".ipynb":
                candidats.setdefault(_cle(entree.stem), []).append(entree)
            else:
                ignores.append(entree)
        elif entree.is_dir():
            notebooks = [p for p in sorted(entree.rglob("*")) if p.is_file() and p.suffix.lower() == ".ipynb"
                         and not _ignore(p.relative_to(dossier))]
            if notebooks:
                candidats.setdefault(_cle(entree.name), []).extend(notebooks)
            else:
                ignores.append(entree)
    soumissions = []
    for (etudiant, participant, nom_complet), chemins in sorted(_separer_homonymes(candidats).items()):
        chemins = sorted(chemins, key=lambda p: (_date(p), str(p)), reverse=True)
        soumission = Remise(etudiant, chemins[0], participant=participant, nom_complet=nom_complet)
        if len(chemins) > 1:
            autres = ", ".join(p.name for p in chemins[1:])
            soumission.remarques.append(
                f"{len(chemins)} remises trouvées : la plus récente ({chemins[0].name}) est notée, "
                f"les autres ignorées ({autres})")
        soumissions.append(soumission)
    return soumissions, ignores


def selectionner_part(soumissions, part):
    """Part ``"i/n"`` (1 ≤ i ≤ n) : tranche déterministe, stable quand la classe change."""
    try:
        i, n = (int(x) for x in part.split("/"))
    except ValueError:
        raise ValueError(f"Part invalide : {part} (attendu i/n, par exemple 2/8)") from None
    if not 1 <= i <= n:
        raise ValueError(f"Part invalide : {part} (attendu i/n avec 1 ≤ i ≤ n)")
    return [s for s in soumissions if int(hashlib.sha1(s.etudiant.encode("utf-8")).hexdigest(), 16) % n == i - 1]


class RemiseIllisible(Exception):
    """La remise n'est pas un notebook lisible ; le message (français) dit pourquoi."""


def lire_notebook(chemin):
    """Lit une remise en nbformat 4, en réparant ce qui peut l'être.

    Renvoie ``(notebook, remarques)`` ; lève ``RemiseIllisible`` sinon.
    """
    remarques = []
    try:
        donnees = Path(chemin).read_bytes()
    except OSError as erreur:
        raise RemiseIllisible(f"fichier illisible ({erreur.strerror})") from None
    if not donnees.strip():
        raise RemiseIllisible("fichier vide")
    try:
        texte = donnees.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RemiseIllisible("ce n'est pas un notebook (fichier binaire, pas du texte JSON)") from None
    try:
        brut = json.loads(texte)
    except json.JSONDecodeError as erreur:
        raise RemiseIllisible(f"JSON invalide (ligne {erreur.lineno}) : "
                                  "fichier tronqué ou modifié à la main ?") from None
    if not isinstance(brut, dict) or "cells" not in brut and "worksheets" not in brut:
        raise RemiseIllisible("ce n'est pas un notebook Jupyter (pas de cellules)")
    version = brut.get("nbformat")
    try:
        nb = nbformat.reads(texte, as_version=4)
    except Exception as erreur:  # nbformat lève des exceptions variées selon la version
        raise RemiseIllisible(f"notebook illisible : {erreur}") from None
    if version != 4:
        remarques.append(f"notebook au format nbformat {version}, converti au format 4")
    for cellule in nb.cells:
        cellule.setdefault("metadata", {})
        if cellule.cell_type == "code":
            cellule.setdefault("outputs", [])
            cellule.setdefault("execution_count", None)
    nb.metadata.setdefault("kernelspec", {})
    nb.metadata.kernelspec.update({"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb, remarques
