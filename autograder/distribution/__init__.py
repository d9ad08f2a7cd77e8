"""Ce que reçoivent les étudiants et les enseignants : notebook étudiant (``etudiant``),
paquet publié (``publication``), corrigé (``corrige``) et leurs préprocesseurs nbgrader."""
