"""L'importateur de la feuille d'évaluation hors ligne de Moodle, réécrit en Python pour les tests.

D'après mod/assign/feedback/offline/importgradeslib.php et locallib.php
(``process_import_grades``) de Moodle 4.x : colonnes trouvées par leur intitulé dans la langue
de l'enseignant, identifiant « Participant <n> » dont on retire le préfixe ``hiddenuser``, note
lue par ``unformat_float`` avec le séparateur décimal de la langue, date lue par ``strtotime``,
fichier refusé sans les trois colonnes. Servi aux tests unitaires de ``fiche_moodle.py`` et à
la classe Moodle corrigée de bout en bout (``test_apres_correction.py``).
"""
import csv
import io
import re
from datetime import datetime

#: Chaînes des paquets de langue officiels de Moodle (assign, moodle, assignfeedback_comments, langconfig).
MOODLE = {
    "fr": {"recordid": "Identifiant", "hiddenuser": "Participant", "gradenoun": "Note",
           "lastmodifiedgrade": "Dernière modification (note)", "comments": "Commentaires de feedback",
           "decsep": ","},
    "en": {"recordid": "Identifier", "hiddenuser": "Participant ", "gradenoun": "Grade",
           "lastmodifiedgrade": "Last modified (grade)", "comments": "Feedback comments", "decsep": "."},
}


def _unformat_float(texte, decsep):
    """``unformat_float`` de Moodle : blancs retirés, séparateur décimal de la langue, puis ``(float)`` de PHP."""
    texte = texte.strip().replace(" ", "").replace(decsep, ".")
    if texte == "":
        return None
    nombre = re.match(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", texte)
    return float(nombre.group(0)) if nombre else 0.0


def _strtotime(texte):
    """``strtotime`` de PHP, pour les formats que Moodle écrit ou qu'on écrit : sinon False (0)."""
    for lire in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%A, %d %B %Y, %I:%M %p")):
        try:
            return int(lire(texte.strip()).timestamp())
        except ValueError:
            continue
    return 0


def importer_moodle(donnees, langue, notes_moodle, *, separateur=",", encodage="utf-8", maximum=20.0):
    """``{participant: (note, commentaire)}`` que Moodle importerait ; ``None`` s'il refuse la feuille.

    ``notes_moodle`` : participant -> (note, date de modification) déjà dans Moodle, pour
    chaque participant du devoir (les autres numéros sont ignorés, comme des inconnus).
    """
    chaines = MOODLE[langue]
    texte = donnees.decode(encodage).removeprefix("\ufeff")  # csv_import_reader retire le BOM
    lignes = list(csv.reader(io.StringIO(texte, newline=""), delimiter=separateur))
    colonnes = [c.strip() for c in lignes[0]]
    indices = {cle: colonnes.index(chaines[cle]) if chaines[cle] in colonnes else -1
               for cle in ("recordid", "gradenoun", "lastmodifiedgrade", "comments")}
    if min(indices["recordid"], indices["gradenoun"], indices["lastmodifiedgrade"]) < 0:
        return None  # print_error('invalidgradeimport')
    importees = {}
    for ligne in lignes[1:]:
        if not ligne:
            continue
        numero = ligne[indices["recordid"]][len(chaines["hiddenuser"]):]  # substr(idstr, strlen(hiddenuser))
        if not numero.strip().isdigit() or int(numero) not in notes_moodle:
            continue
        note = _unformat_float(ligne[indices["gradenoun"]], chaines["decsep"])
        modification = _strtotime(ligne[indices["lastmodifiedgrade"]])
        ancienne, date_moodle = notes_moodle[int(numero)]
        perimee = date_moodle is not None and date_moodle > modification + 60
        garde = not (note == ancienne or note is None or note < 0 or perimee or note > maximum)
        commentaire = ligne[indices["comments"]] if indices["comments"] > 0 and not perimee else None
        importees[int(numero)] = (note if garde else ancienne, commentaire)
    return importees
