"""Notes et commentaires dans la feuille d'évaluation hors ligne d'un devoir Moodle.

Usage ::

    python -m autograder.correction.sorties.fiche_moodle --fiche <feuille téléchargée> \
        --notes OUT/notes.csv [--sortie OUT]
    make fiche-moodle OUT=<dossier des résultats> FICHE=<feuille téléchargée>

Le devoir Moodle importe ses notes par sa « feuille d'évaluation hors ligne » (en français
« Formulaire d'évaluation hors ligne » : *Télécharger le formulaire d'évaluation*, puis
*Déposer un formulaire d'évaluation*). Son importateur
(mod/assign/feedback/offline/importgradeslib.php) trouve les colonnes par leur intitulé
dans la langue de l'enseignant (``get_string('recordid', 'assign')``, ``gradenoun``,
``lastmodifiedgrade``, et ``Commentaires de feedback`` pour le commentaire), lit
l'identifiant « Participant <n> » (le numéro des dossiers « Prénom Nom_<n>_assignsubmission_file_ »)
et refuse un fichier sans ces trois colonnes. Il ignore une note si la date de
« Dernière modification (note) » est plus ancienne que celle de Moodle.

On remplit donc la feuille téléchargée, sans rien changer d'autre : même en-tête, même
ordre des colonnes, même séparateur, même encodage (BOM compris), mêmes fins de ligne ;
pour chaque participant de la classe, la note (ramenée au maximum du devoir, avec la
virgule ou le point décimal qu'utilise la feuille), un commentaire court en français
(note, points par exercice, remarque) et la date de modification (maintenant, au format
ISO 8601 que lit ``strtotime``). Les participants absents de la classe gardent leur ligne
telle quelle ; ils sont listés dans le résultat, comme les étudiants sans numéro de
participant. Résultat : ``OUT/fiche_notes.csv``, à déposer dans le devoir.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.correction.sorties.notes import cellule_sure, commentaire_court
from autograder.correction.sorties.retours_moodle import participant_de_etat

NOM_FICHE = "fiche_notes.csv"

#: Comment obtenir la feuille, en une ligne (dite quand elle manque).
COMMENT_OBTENIR = (
    "Feuille d'évaluation\u00a0: dans Moodle, cochez «\u00a0Formulaire d'évaluation hors ligne\u00a0» et "
    "«\u00a0Commentaires de feedback\u00a0» dans les Types de feedback du devoir, puis, depuis la liste des "
    "travaux remis, menu des actions d'évaluation\u00a0: «\u00a0Télécharger le formulaire d'évaluation\u00a0»\u202f; "
    "relancez avec FICHE=<fichier téléchargé>.")


@dataclass(frozen=True)
class Langue:
    """Intitulés de la feuille dans une langue de Moodle (paquets de langue officiels)."""
    code: str
    identifiant: str  # get_string('recordid', 'assign')
    note: str  # get_string('gradenoun') (get_string('grade') avant Moodle 4.1)
    modification: str  # get_string('lastmodifiedgrade', 'assign')
    commentaires: str  # get_string('pluginname', 'assignfeedback_comments')
    note_maximale: str  # get_string('maxgrade', 'assign')
    bareme: str  # get_string('scale', 'assign') : devoir noté avec un barème, pas un nombre
    modifiable: str  # get_string('gradecanbechanged', 'assign')
    non: str  # get_string('no')
    virgule: bool  # séparateur décimal (langconfig decsep) : virgule ?


LANGUES = (
    Langue("fr", "Identifiant", "Note", "Dernière modification (note)", "Commentaires de feedback",
           "Note maximale", "Barème", "La note peut être modifiée", "Non", True),
    Langue("en", "Identifier", "Grade", "Last modified (grade)", "Feedback comments",
           "Maximum grade", "Scale", "Grade can be changed", "No", False),
)


class FicheInvalide(ValueError):
    """La feuille ne peut pas être remplie ; le message (français) dit pourquoi."""


@dataclass(frozen=True)
class LigneRemplie:
    participant: str
    etudiant: str
    note: str


@dataclass
class ResultatFiche:
    """Ce que ``remplir`` a fait : rien n'est écrit ailleurs que dans ``chemin``.

    ``absents_de_la_classe`` : numéros de participant de la feuille sans remise corrigée
    (lignes laissées telles quelles) ; ``hors_fiche`` : étudiants dont le numéro n'est pas
    dans la feuille ; ``sans_participant`` : étudiants sans nom Moodle (aucun numéro) ;
    ``conflits`` : étudiants au même numéro (aucun des deux n'est rempli) ; ``verrouilles`` :
    notes remplies mais que Moodle ne modifiera pas (« La note peut être modifiée : Non »).
    """
    chemin: Path
    langue: str
    separateur: str
    encodage: str
    remplis: list[LigneRemplie] = field(default_factory=list)
    absents_de_la_classe: list[str] = field(default_factory=list)
    hors_fiche: list[str] = field(default_factory=list)
    sans_participant: list[str] = field(default_factory=list)
    conflits: list[str] = field(default_factory=list)
    verrouilles: list[str] = field(default_factory=list)
    identifiants_illisibles: list[int] = field(default_factory=list)
    colonne_commentaires: bool = True

    def message(self) -> str:
        lignes = [f"Feuille d'évaluation Moodle\u00a0: {self.chemin} ({len(self.remplis)} note(s) remplie(s), "
                  f"intitulés en {self.langue}, séparateur {_NOMS_SEPARATEURS.get(self.separateur, self.separateur)}, "
                  f"{self.encodage})"]
        if not self.colonne_commentaires:
            lignes.append("  pas de colonne de commentaires\u00a0: cochez «\u00a0Commentaires de feedback\u00a0» dans "
                          "les Types de feedback du devoir et retéléchargez la feuille pour envoyer les résumés")
        listes = [
            ("participants sans remise corrigée, lignes laissées telles quelles", self.absents_de_la_classe),
            ("absents de la feuille (autre devoir ou groupe\u202f?)", self.hors_fiche),
            ("sans numéro de participant (remise sans nom Moodle), à saisir à la main", self.sans_participant),
            ("même numéro de participant pour plusieurs remises, non remplis", self.conflits),
            ("note verrouillée dans Moodle (ne sera pas importée)", self.verrouilles),
            ("lignes à l'identifiant illisible, laissées telles quelles", self.identifiants_illisibles),
        ]
        lignes += [f"  {titre}\u00a0: {', '.join(map(str, noms))}" for titre, noms in listes if noms]
        return "\n".join(lignes)


_NOMS_SEPARATEURS = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}
_PARTICIPANT = re.compile(r"\s*\D*?\s*(\d+)\s*")
_NOMBRE = re.compile(r"\s*[+-]?\d+(?:[.,](\d*))?\s*")


@dataclass
class _Fiche:
    encodage: str
    bom: bytes
    fin_de_ligne: str
    separateur: str
    langue: Langue
    colonnes: dict  # rôle -> indice
    enregistrements: list  # (texte brut, cellules) ; le premier est l'en-tête


def _decoder(donnees: bytes):
    """``(texte, encodage, BOM)`` : UTF-8 (BOM ou non), UTF-16 avec BOM, sinon Windows-1252 (Excel)."""
    for bom, encodage in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if donnees.startswith(bom):
            try:
                return donnees[len(bom):].decode(encodage), encodage, bom
            except UnicodeDecodeError as erreur:
                raise FicheInvalide(f"feuille illisible en {encodage} ({erreur.reason})") from None
    for encodage in ("utf-8", "cp1252", "latin-1"):
        try:
            return donnees.decode(encodage), encodage, b""
        except UnicodeDecodeError:
            continue
    raise FicheInvalide("feuille illisible")  # latin-1 décode tout : jamais atteint


def _enregistrements(texte: str, separateur: str):
    """Enregistrements CSV de ``texte`` avec leur texte brut exact (un champ peut tenir sur plusieurs lignes)."""
    lignes = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", texte)
    lues = []

    def source():
        for ligne in lignes:
            lues.append(ligne)
            yield ligne

    lecteur = csv.reader(source(), delimiter=separateur)
    resultat = []
    while True:
        try:
            cellules = next(lecteur)
        except StopIteration:
            break
        except csv.Error as erreur:
            raise FicheInvalide(f"feuille mal formée près de la ligne {lecteur.line_num} ({erreur})") from None
        resultat.append(("".join(lues), cellules))
        lues.clear()
    if lues:  # champ entre guillemets jamais refermé
        raise FicheInvalide("feuille mal formée\u00a0: un guillemet n'est jamais refermé")
    return resultat


def _colonnes(entete: list[str]):
    """``(langue, {rôle: indice}, trouvés)`` pour la langue qui reconnaît le plus d'intitulés."""
    propres = [c.strip().lstrip("\ufeff") for c in entete]
    meilleur = None
    for langue in LANGUES:
        roles = {}
        for role in ("identifiant", "note", "modification", "commentaires", "note_maximale", "bareme", "modifiable"):
            intitule = getattr(langue, role)
            if intitule in propres:
                roles[role] = propres.index(intitule)
        trouves = sum(r in roles for r in ("identifiant", "note", "modification"))
        if meilleur is None or (trouves, len(roles)) > (meilleur[2], len(meilleur[1])):
            meilleur = (langue, roles, trouves)
    return meilleur


def lire_fiche(donnees: bytes) -> _Fiche:
    """Analyse une feuille téléchargée ; ``FicheInvalide`` si Moodle ne pourrait pas l'importer."""
    texte, encodage, bom = _decoder(donnees)
    if not texte.strip():
        raise FicheInvalide("feuille vide")
    trouve = re.search(r"\r\n|\r|\n", texte)
    fin_de_ligne = trouve.group(0) if trouve else "\n"
    essais = []
    for separateur in _NOMS_SEPARATEURS:
        try:
            enregistrements = _enregistrements(texte, separateur)
        except FicheInvalide as erreur:
            essais.append((-1, separateur, None, str(erreur)))
            continue
        langue, colonnes, trouves = _colonnes(enregistrements[0][1])
        essais.append((trouves, separateur, (langue, colonnes, enregistrements), ""))
        if trouves == 3:
            break
    trouves, separateur, analyse, erreur = max(essais, key=lambda e: e[0])
    if analyse is None:
        raise FicheInvalide(erreur)
    langue, colonnes, enregistrements = analyse
    if trouves < 3:
        attendus = " / ".join(", ".join(f"«\u00a0{intitule}\u00a0»" for intitule in (lg.identifiant, lg.note,
                                                                                    lg.modification))
                              for lg in LANGUES)
        entete = enregistrements[0][0].strip()
        raise FicheInvalide(
            f"ce n'est pas une feuille d'évaluation de devoir Moodle (ou elle est dans une langue non prise en "
            f"charge)\u00a0: colonnes attendues {attendus}, en-tête trouvé «\u00a0{entete[:200]}\u00a0»")
    if "bareme" in colonnes and "note_maximale" not in colonnes:
        raise FicheInvalide(f"le devoir est noté avec un barème (colonne «\u00a0{langue.bareme}\u00a0»), pas "
                            "avec des points\u00a0: choisissez le type de note «\u00a0Point\u00a0» dans le devoir")
    return _Fiche(encodage, bom, fin_de_ligne, separateur, langue, colonnes, enregistrements)


def _valeurs(fiche: _Fiche, role: str):
    indice = fiche.colonnes.get(role)
    if indice is None:
        return []
    return [c[indice] for _, c in fiche.enregistrements[1:] if len(c) > indice and c[indice].strip()]


def _format_decimal(fiche: _Fiche):
    """``(virgule, décimales)`` : comme les nombres de la feuille, sinon selon sa langue (2 décimales)."""
    exemples = [v for v in _valeurs(fiche, "note_maximale") + _valeurs(fiche, "note") if _NOMBRE.fullmatch(v)]
    virgule = fiche.langue.virgule
    if any("," in v for v in exemples):
        virgule = True
    elif any("." in v for v in exemples):
        virgule = False
    decimales = [len(m.group(1) or "") for v in exemples if (m := _NOMBRE.fullmatch(v)) and m.group(1) is not None]
    return virgule, (max(decimales) if decimales else 2)


def _nombre(texte: str):
    try:
        return float(texte.strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def _encodable(texte: str, encodage: str) -> str:
    """``texte`` tel que l'encodage de la feuille peut l'écrire (Windows-1252 : pas d'espace fine)."""
    try:
        texte.encode(encodage)
        return texte
    except UnicodeEncodeError:
        pass
    for avant, apres in (("\u202f", "\u00a0"), ("→", "->"), ("…", "..."), ("’", "'")):
        texte = texte.replace(avant, apres)
    return texte.encode(encodage, errors="replace").decode(encodage)


def _ligne_csv(cellules, analyse: _Fiche, guillemets):
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=analyse.separateur, lineterminator=analyse.fin_de_ligne,
               quoting=guillemets).writerow(cellules)
    return tampon.getvalue()


def _reecrire(brut: str, cellules: list, nouvelles: list, analyse: _Fiche) -> str:
    """La ligne ``nouvelles``, écrite comme l'était ``brut`` (tous les champs entre guillemets ou non)."""
    fin = re.search(r"(\r\n|\r|\n)$", brut)
    sans_fin = brut[:fin.start()] if fin else brut
    guillemets = csv.QUOTE_MINIMAL
    if _ligne_csv(cellules, analyse, csv.QUOTE_ALL).rstrip("\r\n") == sans_fin:
        guillemets = csv.QUOTE_ALL
    ecrit = _ligne_csv(nouvelles, analyse, guillemets)
    return ecrit if fin else ecrit[:-len(analyse.fin_de_ligne)]  # dernière ligne sans fin de ligne : pareil


def remplir(*, fiche: Path, lignes: list[dict], participants: dict[str, str], sortie: Path,
            maintenant: datetime | None = None) -> ResultatFiche:
    """Écrit ``sortie/fiche_notes.csv`` : la feuille ``fiche`` remplie pour les ``lignes`` de notes.csv.

    ``lignes`` : dicts de notes.csv (``student_id``, ``ex1``…, ``note_sur_20``, ``statut`` ;
    nombres ou textes). ``participants`` : ``student_id`` -> numéro de participant Moodle
    (les étudiants absents de ce dict sont listés dans ``sans_participant``).
    ``maintenant`` : la date écrite dans « Dernière modification (note) » (par défaut, maintenant).
    """
    fiche = Path(fiche)
    try:
        donnees = fiche.read_bytes()
    except OSError as erreur:
        raise FicheInvalide(f"feuille introuvable ou illisible ({fiche}\u00a0: {erreur.strerror}). "
                            f"{COMMENT_OBTENIR}") from None
    analyse = lire_fiche(donnees)
    virgule, decimales = _format_decimal(analyse)
    date = (maintenant or datetime.now()).astimezone().isoformat(timespec="seconds")
    resultat = ResultatFiche(Path(sortie) / NOM_FICHE, analyse.langue.code, analyse.separateur,
                             analyse.encodage.upper() + (" avec BOM" if analyse.bom else ""),
                             colonne_commentaires="commentaires" in analyse.colonnes)
    par_numero = {}
    for ligne in sorted(lignes, key=lambda lg: lg["student_id"]):
        numero = participants.get(ligne["student_id"])
        if numero is None:
            resultat.sans_participant.append(ligne["student_id"])
        else:
            par_numero.setdefault(str(numero), []).append(ligne)
    for meme in par_numero.values():
        if len(meme) > 1:
            resultat.conflits += [lg["student_id"] for lg in meme]
    vus = set()
    colonnes = analyse.colonnes
    morceaux = [analyse.enregistrements[0][0]]
    for numero_ligne, (brut, cellules) in enumerate(analyse.enregistrements[1:], start=2):
        if not any(c.strip() for c in cellules):
            morceaux.append(brut)
            continue
        identifiant = cellules[colonnes["identifiant"]] if len(cellules) > colonnes["identifiant"] else ""
        trouve = _PARTICIPANT.fullmatch(identifiant)
        if not trouve:
            resultat.identifiants_illisibles.append(numero_ligne)
            morceaux.append(brut)
            continue
        numero = str(int(trouve.group(1)))
        vus.add(numero)
        meme = par_numero.get(numero, [])
        if len(meme) != 1:
            if not meme:
                resultat.absents_de_la_classe.append(numero)
            morceaux.append(brut)
            continue
        ligne = meme[0]
        maximum = 20.0
        if "note_maximale" in colonnes and len(cellules) > colonnes["note_maximale"]:
            lu = _nombre(cellules[colonnes["note_maximale"]])
            maximum = lu if lu and lu > 0 else maximum
        note = f"{float(ligne['note_sur_20']) * maximum / 20:.{decimales}f}"
        note = note.replace(".", ",") if virgule else note
        nouvelles = cellules + [""] * (len(analyse.enregistrements[0][1]) - len(cellules))
        nouvelles[colonnes["note"]] = note
        nouvelles[colonnes["modification"]] = date
        if "commentaires" in colonnes:
            nouvelles[colonnes["commentaires"]] = _encodable(cellule_sure(commentaire_court(ligne)), analyse.encodage)
        morceaux.append(_reecrire(brut, cellules, nouvelles, analyse))
        resultat.remplis.append(LigneRemplie(numero, ligne["student_id"], note))
        if "modifiable" in colonnes and len(cellules) > colonnes["modifiable"] \
                and cellules[colonnes["modifiable"]].strip() == analyse.langue.non:
            resultat.verrouilles.append(ligne["student_id"])
    resultat.hors_fiche = sorted(lg["student_id"] for numero, meme in par_numero.items()
                                 if numero not in vus and len(meme) == 1 for lg in meme)
    resultat.chemin.parent.mkdir(parents=True, exist_ok=True)
    temporaire = resultat.chemin.with_name(f".{NOM_FICHE}.tmp")
    temporaire.write_bytes(analyse.bom + "".join(morceaux).encode(analyse.encodage))
    temporaire.replace(resultat.chemin)
    return resultat


def _lire_notes(chemin: Path) -> list[dict]:
    try:
        with open(chemin, encoding="utf-8", newline="") as fichier:
            return list(csv.DictReader(fichier))
    except OSError as erreur:
        raise FicheInvalide(f"notes introuvables ({chemin}\u00a0: {erreur.strerror})\u00a0: lancez d'abord "
                            "make grade") from None


def participants_de_la_sortie(etats: Path) -> dict[str, str]:
    """``student_id`` tel qu'écrit dans notes.csv -> numéro de participant, d'après ``OUT/etat/*.json``."""
    participants = {}
    for fichier in sorted(Path(etats).glob("*.json")):
        try:
            etat = json.loads(fichier.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        moodle = participant_de_etat(etat) if "etudiant" in etat else None
        if moodle is not None:
            participants[cellule_sure(etat["etudiant"])] = moodle.participant
    return participants


def remplir_depuis_sortie(*, fiche: Path, notes: Path, sortie: Path | None = None, etats: Path | None = None,
                          maintenant: datetime | None = None) -> ResultatFiche:
    """Comme ``remplir``, avec ``notes.csv`` et les états (``OUT/etat/``) d'une correction déjà faite."""
    notes = Path(notes)
    etats = Path(etats) if etats is not None else notes.parent / "etat"
    return remplir(fiche=fiche, lignes=_lire_notes(notes), participants=participants_de_la_sortie(etats),
                   sortie=Path(sortie) if sortie is not None else notes.parent, maintenant=maintenant)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.correction.sorties.fiche_moodle",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--fiche", type=Path, required=True, help="feuille d'évaluation téléchargée du devoir (CSV)")
    parser.add_argument("--notes", type=Path, required=True, help="notes.csv d'une correction (OUT/notes.csv)")
    parser.add_argument("--sortie", "--out", type=Path, default=None,
                        help="dossier où écrire fiche_notes.csv (par défaut : celui de notes.csv)")
    parser.add_argument("--etats", type=Path, default=None, help="dossier des états (par défaut : OUT/etat)")
    args = parser.parse_args(argv)
    try:
        resultat = remplir_depuis_sortie(fiche=args.fiche, notes=args.notes, sortie=args.sortie, etats=args.etats)
    except FicheInvalide as erreur:
        print(f"Feuille d'évaluation non remplie\u00a0: {erreur}", file=sys.stderr)
        return 2
    print(resultat.message())
    return 0


if __name__ == "__main__":
    sys.exit(main())
