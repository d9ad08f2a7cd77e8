"""Quatrième étape : ce que la classe reçoit et ce que l'enseignant garde. Dossier de sortie sans
perte (``archives``), carnet de notes de la classe (``carnet``), notes et CSV (``notes``),
ajustements (``ajustements``), retours aux étudiants (``retour``, ``poids_retour``,
``commentaires``), rapports (``rapport``, ``rapport_classe``), réponses partagées
(``similarites``), Moodle (``fiche_moodle``, ``retours_moodle``), fusion des parts Slurm
(``fusion``), relecture des résultats (``resultats``) ; ``finalisation`` enchaîne le tout."""
