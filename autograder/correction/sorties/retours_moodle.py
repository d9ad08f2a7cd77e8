"""Retours des étudiants renvoyés dans Moodle : ``OUT/retours_moodle.zip``.

Moodle (devoir › « Déposer plusieurs fichiers de feed-back dans un ZIP ») lit chaque partie
du chemin d'un fichier du zip comme ``nomcomplet_idparticipant_typeplugin_nomplugin``,
coupée aux soulignés (``explode('_', partie, 5)`` dans
mod/assign/feedback/file/importziplib.php) : le 2ᵉ morceau doit être l'identifiant de
participant, numérique. Chaque retour va donc dans
``Prénom Nom_<id>_assignfeedback_file/retour_tp_diffusion.html``, avec l'identifiant tiré
du dossier de la remise (« Télécharger tous les travaux remis » :
``Prénom Nom_<id>_assignsubmission_file_/``). Comme Moodle à l'export, les soulignés du
nom deviennent des espaces (sinon l'identifiant ne serait plus le 2ᵉ morceau) ; un nom
très long est raccourci (Moodle ne lit que le numéro).

Le numéro de participant d'un étudiant vient de l'entrée de premier niveau du dossier des
remises (``lecture.remises.nom_moodle``), jamais d'un fichier rangé dedans : un fichier
« Bob Dupont_404_assignsubmission_file_.ipynb » dans le dossier de Zoé ne fait pas de Zoé
le participant 404.
"""
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.correction.lecture.remises import identifiant_homonyme, nom_de_fichier, nom_moodle

NOM_ZIP = "retours_moodle.zip"
NOM_RETOUR = "retour_tp_diffusion.html"
#: Longueur maximale du nom dans un chemin du zip (Moodle n'en lit que le numéro).
NOM_MAX = 80


@dataclass(frozen=True)
class ParticipantMoodle:
    nom_complet: str
    participant: str

    def dossier_retour(self):
        nom = self.nom_complet.replace("_", " ").replace("/", " ")
        if len(nom) > NOM_MAX:
            nom = nom[:NOM_MAX - 1].rstrip() + "…"
        return f"{nom}_{self.participant}_assignfeedback_file"


@dataclass(frozen=True)
class ResultatZip:
    """``chemin`` : le zip écrit (None sans aucun nom Moodle) ; ``sans_moodle`` : étudiants absents du zip.

    ``conflits`` : étudiants laissés hors du zip parce qu'un autre porte le même numéro de
    participant (Moodle donnerait à l'un le retour de l'autre).
    """
    chemin: Path | None
    inclus: list
    sans_moodle: list
    conflits: list = field(default_factory=list)

    def message(self):
        if self.chemin is None:
            return ("Pas de retours_moodle.zip : aucune remise n'a un nom de dossier Moodle "
                    "(« Prénom Nom_<id>_assignsubmission_file_ »).")
        texte = f"Retours pour Moodle : {self.chemin} ({len(self.inclus)} étudiant(s))"
        if self.sans_moodle:
            texte += f" ; sans nom Moodle, absents du zip : {', '.join(self.sans_moodle)}"
        if self.conflits:
            texte += f" ; même numéro de participant, absents du zip : {', '.join(self.conflits)}"
        return texte


def participant_moodle(chemin, etudiant: str | None = None) -> ParticipantMoodle | None:
    """Participant Moodle d'une remise, d'après le nom de son entrée de premier niveau ; sinon None.

    ``chemin`` : le notebook noté. Sans ``etudiant``, l'entrée de premier niveau est la
    partie la plus haute du chemin au format Moodle. Avec ``etudiant`` (l'identifiant que
    ``lecture.remises.decouvrir`` a donné), c'est la partie la plus haute dont le nom donne cet
    identifiant : si elle n'est pas au format Moodle, aucun numéro, même si un fichier rangé
    dessous en porte un.
    """
    for partie in Path(chemin).parts:
        nom = partie[:-len(".ipynb")] if partie.lower().endswith(".ipynb") else partie
        moodle = nom_moodle(nom)
        if etudiant is None:
            if moodle:
                return ParticipantMoodle(*moodle)
            continue
        if moodle and etudiant in (moodle[0], identifiant_homonyme(*moodle)):
            return ParticipantMoodle(*moodle)
        if unicodedata.normalize("NFC", nom).strip() == etudiant:
            return None
    return None


def participant_de_etat(etat) -> ParticipantMoodle | None:
    """Participant Moodle d'un état de correction (``OUT/etat/*.json``).

    Les clés ``participant`` et ``nom_complet`` de l'état (copiées de la ``Remise``)
    font foi quand elles y sont ; sinon le chemin ``fichier`` est lu (``participant_moodle``).
    """
    if "participant" in etat:
        numero = etat.get("participant")
        return ParticipantMoodle(etat.get("nom_complet") or etat["etudiant"], str(numero)) if numero else None
    return participant_moodle(etat.get("fichier", ""), etat.get("etudiant"))


def chemin_retour(sortie: Path, etat) -> Path:
    """Le retour HTML d'un état : ``etat["retour"]`` s'il est donné (relatif à ``sortie``), sinon
    ``sortie/feedback/<étudiant>.html``."""
    retour = etat.get("retour")
    return Path(sortie) / retour if retour else Path(sortie) / "feedback" / nom_de_fichier(etat["etudiant"], ".html")


def _existe(chemin: Path) -> bool:
    try:
        return chemin.is_file()
    except OSError:  # nom trop long pour le système de fichiers : pas de retour
        return False


def ecrire_zip(sortie: Path, etats) -> ResultatZip:
    """Écrit ``sortie/retours_moodle.zip`` à partir des retours HTML (``chemin_retour``).

    ``etats`` : états de la correction (``etudiant``, ``fichier``). Sans aucune remise au
    nom Moodle, aucun zip (un zip précédent est retiré : il serait périmé). Deux étudiants au
    même numéro de participant restent tous deux hors du zip (``conflits``).
    """
    sortie = Path(sortie)
    inclus, sans_moodle, entrees = [], [], {}
    for etat in sorted(etats, key=lambda e: e["etudiant"]):
        participant = participant_de_etat(etat)
        retour = chemin_retour(sortie, etat)
        if participant is None or not _existe(retour):
            sans_moodle.append(etat["etudiant"])
            continue
        entrees.setdefault(participant.participant, []).append(
            (etat["etudiant"], f"{participant.dossier_retour()}/{NOM_RETOUR}", retour))
    conflits = sorted(e for meme in entrees.values() if len(meme) > 1 for e, _, _ in meme)
    retenues = [meme[0] for meme in entrees.values() if len(meme) == 1]
    inclus = sorted(e for e, _, _ in retenues)
    chemin = sortie / NOM_ZIP
    if not retenues:
        chemin.unlink(missing_ok=True)
        return ResultatZip(None, [], sans_moodle, conflits)
    temporaire = chemin.with_name(f".{NOM_ZIP}.tmp")
    with zipfile.ZipFile(temporaire, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for _, nom, fichier in sorted(retenues, key=lambda r: r[1]):
            archive.write(fichier, nom)
    temporaire.replace(chemin)
    return ResultatZip(chemin, inclus, sans_moodle, conflits)
