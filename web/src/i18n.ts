/** UI strings in English, Italian, French and German. Missing keys fall back to English. */
import { mediaDe, mediaEn, mediaFr, mediaIt } from './i18n-media.js';
import { shieldDe, shieldEn, shieldFr, shieldIt } from './i18n-shield.js';
import { callsDe, callsEn, callsFr, callsIt } from './calls/i18n.js';

export type Lang = 'en' | 'it' | 'fr' | 'de';
export const LANGS: Array<{ id: Lang; name: string }> = [
  { id: 'en', name: 'English' }, { id: 'it', name: 'Italiano' }, { id: 'fr', name: 'Français' }, { id: 'de', name: 'Deutsch' },
];

const en = {
  ...mediaEn,
  ...shieldEn,
  ...callsEn,
  appName: 'Parley',
  login: 'Log in', signup: 'Sign up', username: 'Username', password: 'Password', displayName: 'Display name (optional)',
  inviteCode: 'Invite code (if required)', haveAccount: 'I already have an account', noAccount: 'Create an account',
  linkWithDevice: 'Link with a logged-in device', linkTitle: 'Log in with a QR code',
  linkSteps: 'On a device where you are logged in, open Settings → Link a device, then scan this code or paste the text below.',
  linkWaiting: 'Waiting for approval…', linkExpiresIn: 'New code in {s} s', back: 'Back',
  connecting: 'Connecting…', online: 'Online', offline: 'Offline: messages will be sent when the connection returns', updating: 'Updating…',
  chats: 'Chats', search: 'Search', newChat: 'New chat', newGroup: 'New group', newChannel: 'New channel', settings: 'Settings',
  noChats: 'No chats yet. Start one with the pencil button.', noResults: 'No chats match your search.',
  selectChat: 'Select a chat to start messaging',
  message: 'Message', send: 'Send', reply: 'Reply', edit: 'Edit', forward: 'Forward', copy: 'Copy',
  deleteForMe: 'Delete for me', deleteForEveryone: 'Delete for everyone', cancel: 'Cancel', save: 'Save', close: 'Close',
  edited: 'edited', deletedMessage: 'Message deleted', forwardedFrom: 'Forwarded', replyingTo: 'Replying to', editing: 'Editing',
  typing: '{name} is typing…', you: 'You', draft: 'Draft', pending: 'Sending', sent: 'Sent', read: 'Read', failed: 'Not sent',
  loadingOlder: 'Loading older messages…', noMessages: 'No messages here yet.', readOnlyChannel: 'Only admins can post in this channel.',
  newDirectTitle: 'New chat', usernameToFind: 'Username', open: 'Open',
  groupTitle: 'Group name', channelTitle: 'Channel name', membersToAdd: 'Members (usernames, comma separated)', create: 'Create',
  chatInfo: 'Chat info', members: 'Members', subscribers: 'subscribers', membersCount: '{n} members', rename: 'Rename', addMember: 'Add member',
  remove: 'Remove', makeAdmin: 'Make admin', makeMember: 'Remove admin', leave: 'Leave', role_owner: 'owner', role_admin: 'admin', role_member: 'member', role_subscriber: 'subscriber',
  forwardTo: 'Forward to…',
  contacts: 'Contacts', addContact: 'Add contact', noContacts: 'No contacts yet.', blocked: 'Blocked users', block: 'Block', unblock: 'Unblock', noBlocked: 'Nobody is blocked.',
  devices: 'Devices', thisDevice: 'This device', revoke: 'Log out', lastSeen: 'last active {t}',
  linkDevice: 'Link a device', linkDeviceHelp: 'Scan the QR code shown on the new device, choose a picture of it, or paste its text.', scan: 'Scan with camera', stopScan: 'Stop camera',
  chooseQrImage: 'Choose a picture of the code', qrNotFound: 'No link code found in that picture',
  pasteCode: 'Link code', approve: 'Approve', linkApproved: 'Device linked: {name}',
  profile: 'Profile', language: 'Language', logout: 'Log out', changePassword: 'Change password', currentPassword: 'Current password', newPassword: 'New password', passwordChangeHelp: 'Every other device will be logged out.', passwordChanged: 'Password changed. Devices logged out: {n}', wrongCurrentPassword: 'The current password is wrong',
  loggedOut: 'This device was logged out.', blockedUser: 'You blocked this user.', shortcuts: 'Shortcuts: Ctrl+K search, Esc close, ↑ edit last message, Enter send, Shift+Enter new line',
  err_password_weak: 'The password is too easy to guess', err_invalid_credentials: 'Wrong username or password', err_username_taken: 'That username is taken',
  err_account_disabled: 'This account is disabled', err_network: 'Cannot reach the server', err_account_not_found: 'No such account',
  err_user_blocked: 'You cannot message this user', err_link_token_invalid: 'Unknown link code', err_link_token_expired: 'The code has expired: ask for a new one', err_link_token_used: 'That code was already used',
  online_dot: 'online', inviteLink: 'Invite link',
};
export type Key = keyof typeof en;
type Dict = Partial<Record<Key, string>>;

const it: Dict = {
  ...mediaIt,
  ...shieldIt,
  ...callsIt,
  inviteLink: 'Link di invito',
  login: 'Accedi', signup: 'Registrati', username: 'Nome utente', password: 'Password', displayName: 'Nome visualizzato (facoltativo)',
  inviteCode: 'Codice di invito (se richiesto)', haveAccount: 'Ho già un account', noAccount: 'Crea un account',
  linkWithDevice: 'Collega con un dispositivo connesso', linkTitle: 'Accedi con un codice QR',
  linkSteps: 'Su un dispositivo già connesso apri Impostazioni → Collega un dispositivo, poi inquadra questo codice o incolla il testo qui sotto.',
  linkWaiting: 'In attesa di approvazione…', linkExpiresIn: 'Nuovo codice tra {s} s', back: 'Indietro',
  connecting: 'Connessione…', online: 'Online', offline: 'Offline: i messaggi partiranno al ritorno della connessione', updating: 'Aggiornamento…',
  chats: 'Chat', search: 'Cerca', newChat: 'Nuova chat', newGroup: 'Nuovo gruppo', newChannel: 'Nuovo canale', settings: 'Impostazioni',
  noChats: 'Ancora nessuna chat.', noResults: 'Nessuna chat corrisponde.', selectChat: 'Seleziona una chat per iniziare',
  message: 'Messaggio', send: 'Invia', reply: 'Rispondi', edit: 'Modifica', forward: 'Inoltra', copy: 'Copia',
  deleteForMe: 'Elimina per me', deleteForEveryone: 'Elimina per tutti', cancel: 'Annulla', save: 'Salva', close: 'Chiudi',
  edited: 'modificato', deletedMessage: 'Messaggio eliminato', forwardedFrom: 'Inoltrato', replyingTo: 'In risposta a', editing: 'Modifica',
  typing: '{name} sta scrivendo…', you: 'Tu', draft: 'Bozza', pending: 'Invio', sent: 'Inviato', read: 'Letto', failed: 'Non inviato',
  loadingOlder: 'Caricamento messaggi precedenti…', noMessages: 'Ancora nessun messaggio.', readOnlyChannel: 'Solo gli amministratori possono pubblicare in questo canale.',
  newDirectTitle: 'Nuova chat', usernameToFind: 'Nome utente', open: 'Apri',
  groupTitle: 'Nome del gruppo', channelTitle: 'Nome del canale', membersToAdd: 'Membri (nomi utente separati da virgole)', create: 'Crea',
  chatInfo: 'Info chat', members: 'Membri', subscribers: 'iscritti', membersCount: '{n} membri', rename: 'Rinomina', addMember: 'Aggiungi membro',
  remove: 'Rimuovi', makeAdmin: 'Nomina amministratore', makeMember: 'Revoca amministratore', leave: 'Esci', role_owner: 'proprietario', role_admin: 'amministratore', role_member: 'membro', role_subscriber: 'iscritto',
  forwardTo: 'Inoltra a…', contacts: 'Contatti', addContact: 'Aggiungi contatto', noContacts: 'Nessun contatto.', blocked: 'Utenti bloccati', block: 'Blocca', unblock: 'Sblocca', noBlocked: 'Nessun utente bloccato.',
  devices: 'Dispositivi', thisDevice: 'Questo dispositivo', revoke: 'Disconnetti', lastSeen: 'ultimo accesso {t}',
  linkDevice: 'Collega un dispositivo', linkDeviceHelp: "Inquadra il codice QR mostrato sul nuovo dispositivo, scegline un'immagine o incollane il testo.", scan: 'Scansiona con la fotocamera', stopScan: 'Ferma fotocamera',
  chooseQrImage: "Scegli un'immagine del codice", qrNotFound: "Nessun codice di collegamento in quell'immagine",
  pasteCode: 'Codice di collegamento', approve: 'Approva', linkApproved: 'Dispositivo collegato: {name}',
  profile: 'Profilo', language: 'Lingua', logout: 'Esci', changePassword: 'Cambia password', currentPassword: 'Password attuale', newPassword: 'Nuova password', passwordChangeHelp: 'Tutti gli altri dispositivi verranno disconnessi.', passwordChanged: 'Password cambiata. Dispositivi disconnessi: {n}', wrongCurrentPassword: 'La password attuale è errata',
  loggedOut: 'Questo dispositivo è stato disconnesso.', blockedUser: 'Hai bloccato questo utente.',
  err_password_weak: 'La password è troppo facile da indovinare', err_invalid_credentials: 'Nome utente o password errati', err_username_taken: 'Nome utente già in uso',
  err_account_disabled: 'Questo account è disattivato', err_network: 'Server non raggiungibile', err_account_not_found: 'Account inesistente', err_user_blocked: 'Non puoi scrivere a questo utente',
  online_dot: 'online',
};
const fr: Dict = {
  ...mediaFr,
  ...shieldFr,
  ...callsFr,
  inviteLink: 'Lien d’invitation',
  login: 'Se connecter', signup: "S'inscrire", username: "Nom d'utilisateur", password: 'Mot de passe', displayName: 'Nom affiché (facultatif)',
  inviteCode: "Code d'invitation (si requis)", haveAccount: "J'ai déjà un compte", noAccount: 'Créer un compte',
  linkWithDevice: 'Associer avec un appareil connecté', linkTitle: 'Connexion par code QR',
  linkSteps: 'Sur un appareil déjà connecté, ouvrez Paramètres → Associer un appareil, puis scannez ce code ou collez le texte ci-dessous.',
  linkWaiting: "En attente d'approbation…", linkExpiresIn: 'Nouveau code dans {s} s', back: 'Retour',
  connecting: 'Connexion…', online: 'En ligne', offline: 'Hors ligne : les messages partiront au retour de la connexion', updating: 'Mise à jour…',
  chats: 'Discussions', search: 'Rechercher', newChat: 'Nouvelle discussion', newGroup: 'Nouveau groupe', newChannel: 'Nouvelle chaîne', settings: 'Paramètres',
  noChats: 'Aucune discussion.', noResults: 'Aucune discussion ne correspond.', selectChat: 'Choisissez une discussion',
  message: 'Message', send: 'Envoyer', reply: 'Répondre', edit: 'Modifier', forward: 'Transférer', copy: 'Copier',
  deleteForMe: 'Supprimer pour moi', deleteForEveryone: 'Supprimer pour tous', cancel: 'Annuler', save: 'Enregistrer', close: 'Fermer',
  edited: 'modifié', deletedMessage: 'Message supprimé', forwardedFrom: 'Transféré', replyingTo: 'En réponse à', editing: 'Modification',
  typing: '{name} écrit…', you: 'Vous', draft: 'Brouillon', pending: 'Envoi', sent: 'Envoyé', read: 'Lu', failed: 'Non envoyé',
  loadingOlder: 'Chargement des anciens messages…', noMessages: 'Aucun message.', readOnlyChannel: 'Seuls les administrateurs publient dans cette chaîne.',
  newDirectTitle: 'Nouvelle discussion', usernameToFind: "Nom d'utilisateur", open: 'Ouvrir',
  groupTitle: 'Nom du groupe', channelTitle: 'Nom de la chaîne', membersToAdd: "Membres (noms d'utilisateur séparés par des virgules)", create: 'Créer',
  chatInfo: 'Infos', members: 'Membres', subscribers: 'abonnés', membersCount: '{n} membres', rename: 'Renommer', addMember: 'Ajouter un membre',
  remove: 'Retirer', makeAdmin: 'Nommer admin', makeMember: 'Retirer admin', leave: 'Quitter', role_owner: 'propriétaire', role_admin: 'admin', role_member: 'membre', role_subscriber: 'abonné',
  forwardTo: 'Transférer à…', contacts: 'Contacts', addContact: 'Ajouter un contact', noContacts: 'Aucun contact.', blocked: 'Utilisateurs bloqués', block: 'Bloquer', unblock: 'Débloquer', noBlocked: 'Personne n’est bloqué.',
  devices: 'Appareils', thisDevice: 'Cet appareil', revoke: 'Déconnecter', lastSeen: 'actif {t}',
  linkDevice: 'Associer un appareil', linkDeviceHelp: 'Scannez le code QR affiché sur le nouvel appareil, choisissez-en une image ou collez son texte.', scan: 'Scanner avec la caméra', stopScan: 'Arrêter la caméra',
  chooseQrImage: 'Choisir une image du code', qrNotFound: "Aucun code d'association dans cette image",
  pasteCode: "Code d'association", approve: 'Approuver', linkApproved: 'Appareil associé : {name}',
  profile: 'Profil', language: 'Langue', logout: 'Se déconnecter', changePassword: 'Changer le mot de passe', currentPassword: 'Mot de passe actuel', newPassword: 'Nouveau mot de passe', passwordChangeHelp: 'Tous les autres appareils seront déconnectés.', passwordChanged: 'Mot de passe changé. Appareils déconnectés : {n}', wrongCurrentPassword: 'Le mot de passe actuel est incorrect',
  loggedOut: 'Cet appareil a été déconnecté.', blockedUser: 'Vous avez bloqué cet utilisateur.',
  err_password_weak: 'Le mot de passe est trop facile à deviner', err_invalid_credentials: "Nom d'utilisateur ou mot de passe incorrect", err_username_taken: "Ce nom d'utilisateur est pris",
  err_account_disabled: 'Ce compte est désactivé', err_network: 'Serveur injoignable', err_account_not_found: 'Compte introuvable', err_user_blocked: 'Vous ne pouvez pas écrire à cet utilisateur',
  online_dot: 'en ligne',
};
const de: Dict = {
  ...mediaDe,
  ...shieldDe,
  ...callsDe,
  inviteLink: 'Einladungslink',
  login: 'Anmelden', signup: 'Registrieren', username: 'Benutzername', password: 'Passwort', displayName: 'Anzeigename (optional)',
  inviteCode: 'Einladungscode (falls nötig)', haveAccount: 'Ich habe schon ein Konto', noAccount: 'Konto erstellen',
  linkWithDevice: 'Mit angemeldetem Gerät verknüpfen', linkTitle: 'Mit QR-Code anmelden',
  linkSteps: 'Öffne auf einem angemeldeten Gerät Einstellungen → Gerät verknüpfen und scanne diesen Code oder füge den Text unten ein.',
  linkWaiting: 'Warte auf Bestätigung…', linkExpiresIn: 'Neuer Code in {s} s', back: 'Zurück',
  connecting: 'Verbinde…', online: 'Online', offline: 'Offline: Nachrichten werden gesendet, sobald die Verbindung zurück ist', updating: 'Aktualisiere…',
  chats: 'Chats', search: 'Suchen', newChat: 'Neuer Chat', newGroup: 'Neue Gruppe', newChannel: 'Neuer Kanal', settings: 'Einstellungen',
  noChats: 'Noch keine Chats.', noResults: 'Keine passenden Chats.', selectChat: 'Wähle einen Chat',
  message: 'Nachricht', send: 'Senden', reply: 'Antworten', edit: 'Bearbeiten', forward: 'Weiterleiten', copy: 'Kopieren',
  deleteForMe: 'Für mich löschen', deleteForEveryone: 'Für alle löschen', cancel: 'Abbrechen', save: 'Speichern', close: 'Schließen',
  edited: 'bearbeitet', deletedMessage: 'Nachricht gelöscht', forwardedFrom: 'Weitergeleitet', replyingTo: 'Antwort auf', editing: 'Bearbeiten',
  typing: '{name} schreibt…', you: 'Du', draft: 'Entwurf', pending: 'Wird gesendet', sent: 'Gesendet', read: 'Gelesen', failed: 'Nicht gesendet',
  loadingOlder: 'Ältere Nachrichten werden geladen…', noMessages: 'Noch keine Nachrichten.', readOnlyChannel: 'Nur Admins können in diesem Kanal posten.',
  newDirectTitle: 'Neuer Chat', usernameToFind: 'Benutzername', open: 'Öffnen',
  groupTitle: 'Gruppenname', channelTitle: 'Kanalname', membersToAdd: 'Mitglieder (Benutzernamen, durch Kommas getrennt)', create: 'Erstellen',
  chatInfo: 'Chat-Info', members: 'Mitglieder', subscribers: 'Abonnenten', membersCount: '{n} Mitglieder', rename: 'Umbenennen', addMember: 'Mitglied hinzufügen',
  remove: 'Entfernen', makeAdmin: 'Zum Admin machen', makeMember: 'Admin entziehen', leave: 'Verlassen', role_owner: 'Eigentümer', role_admin: 'Admin', role_member: 'Mitglied', role_subscriber: 'Abonnent',
  forwardTo: 'Weiterleiten an…', contacts: 'Kontakte', addContact: 'Kontakt hinzufügen', noContacts: 'Noch keine Kontakte.', blocked: 'Blockierte Benutzer', block: 'Blockieren', unblock: 'Freigeben', noBlocked: 'Niemand ist blockiert.',
  devices: 'Geräte', thisDevice: 'Dieses Gerät', revoke: 'Abmelden', lastSeen: 'zuletzt aktiv {t}',
  linkDevice: 'Gerät verknüpfen', linkDeviceHelp: 'Scanne den QR-Code auf dem neuen Gerät, wähle ein Bild davon oder füge seinen Text ein.', scan: 'Mit Kamera scannen', stopScan: 'Kamera stoppen',
  chooseQrImage: 'Bild des Codes wählen', qrNotFound: 'Kein Verknüpfungscode in diesem Bild gefunden',
  pasteCode: 'Verknüpfungscode', approve: 'Bestätigen', linkApproved: 'Gerät verknüpft: {name}',
  profile: 'Profil', language: 'Sprache', logout: 'Abmelden', changePassword: 'Passwort ändern', currentPassword: 'Aktuelles Passwort', newPassword: 'Neues Passwort', passwordChangeHelp: 'Alle anderen Geräte werden abgemeldet.', passwordChanged: 'Passwort geändert. Abgemeldete Geräte: {n}', wrongCurrentPassword: 'Das aktuelle Passwort ist falsch',
  loggedOut: 'Dieses Gerät wurde abgemeldet.', blockedUser: 'Du hast diesen Benutzer blockiert.',
  err_password_weak: 'Das Passwort ist zu leicht zu erraten', err_invalid_credentials: 'Falscher Benutzername oder falsches Passwort', err_username_taken: 'Dieser Benutzername ist vergeben',
  err_account_disabled: 'Dieses Konto ist deaktiviert', err_network: 'Server nicht erreichbar', err_account_not_found: 'Kein solches Konto', err_user_blocked: 'Du kannst diesem Benutzer nicht schreiben',
  online_dot: 'online',
};

const DICTS: Record<Lang, Dict> = { en, it, fr, de };

export function detectLang(): Lang {
  const saved = localStorage.getItem('parley.lang');
  if (saved && saved in DICTS) return saved as Lang;
  const nav = (navigator.language || 'en').slice(0, 2);
  return nav in DICTS ? (nav as Lang) : 'en';
}

/** Translates `key` in `lang`, filling `{name}` placeholders. */
export function translate(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  const s = DICTS[lang][key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_m, k: string) => String(vars[k] ?? ''));
}
