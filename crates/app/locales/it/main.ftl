# rinnova — testi in italiano (lingua predefinita)
app-title = Rinnovo certificati di firma
skip-to-content = Vai al contenuto
lang-switch = English
logout = Esci
error-summary-title = Non è stato possibile procedere
error-code = Codice errore
back-home = Torna alla pagina iniziale
demo-banner = Ambiente dimostrativo: i messaggi non vengono inviati davvero.
demo-outbox-link = Messaggi inviati (SMS ed e-mail)

login-title = Accedi
login-intro = Inserisci user-id e password del servizio di firma. La password non è il PIN di firma.
field-user-id = User-id
field-password = Password
login-submit = Accedi
login-help = Non riesci ad accedere? Rivolgiti al tuo operatore di registrazione (RAO).
demo-credentials-title = Titolari dimostrativi
demo-col-situation = Situazione

home-title = I tuoi certificati
home-greeting = Benvenuto, { $name }
no-certificates = Non risultano certificati a tuo nome.
cert-kind-remote_signature = Firma remota
cert-kind-card_signature = Firma su smart card
cert-kind-cns = CNS (autenticazione)
cert-serial = Numero di serie
cert-expiry = Scadenza
cert-valid-from = Valido dal
cert-status = Stato
cert-status-active = Attivo
cert-status-superseded = Sostituito dal rinnovo
cert-status-revoked = Revocato
cert-status-suspended = Sospeso
window-open = Rinnovo disponibile: { $days } giorni per rinnovare.
window-last-day = Oggi è l'ultimo giorno per rinnovare.
renew-button = Rinnova
resume-button = Riprendi il rinnovo
need-new-cert = Per continuare a firmare serve un nuovo certificato: rivolgiti a un operatore di registrazione (RAO).
payroll-note = La tua organizzazione paga il nuovo certificato tramite busta paga.
renewed-note = Rinnovato: il nuovo certificato è valido fino al { $date }.

stepper-label = Fasi del rinnovo
step-check_data = Dati
step-documents = Documenti
step-sign = Firma
step-payment = Pagamento
step-approval = Approvazione
step-activate = Attivazione
step-completed = Fatto
step-cancelled = Annullato
step-done-marker = completata
step-current-marker = fase attuale
renewal-title = Rinnovo del certificato { $serial }

data-title = Verifica i tuoi dati
data-intro = Controlla i dati che saranno riportati nel modulo di rinnovo.
field-given-name = Nome
field-surname = Cognome
field-iut = IUT
field-cf = Codice fiscale
field-email = E-mail
field-mobile = Cellulare
field-residence = Residenza
field-role = Ruolo
field-organisation = Organizzazione
role-readonly-note = I dati di ruolo non si possono modificare in fase di rinnovo: per cambiarli serve un nuovo certificato.
data-confirm-button = Confermo i dati e proseguo

docs-title = Documenti
docs-intro = Leggi il modulo di rinnovo compilato con i tuoi dati e le condizioni generali del servizio.
doc-form = Modulo di rinnovo (PDF)
doc-conditions = Condizioni generali del servizio (PDF)
consent-terms = Accetto le condizioni generali del servizio
consent-data = Confermo i miei dati
docs-continue = Prosegui

sign-title = Firma la richiesta di rinnovo
sign-intro = Firma il modulo di rinnovo con le credenziali del tuo certificato attuale: PIN e codice OTP.
field-pin = PIN di firma
field-otp = Codice OTP
otp-sent-sms = Abbiamo inviato un codice via SMS al numero { $mobile }.
otp-token = Inserisci il codice generato dal tuo token.
otp-resend = Invia un nuovo codice
otp-resent = Nuovo codice inviato.
sign-submit = Firma la richiesta

approval-title = In attesa di approvazione
approval-wait = La richiesta è stata inoltrata alla tua organizzazione, che deve approvarla. Riceverai un'e-mail con l'esito.

activate-title = Attiva il nuovo certificato
activate-intro-1 = Inserisci il codice OTP per avviare l'attivazione.
activate-otp1-submit = Verifica il codice
activate-intro-2 = Scegli il PIN del nuovo certificato (lo stesso di prima o uno nuovo) e conferma con un secondo codice OTP.
field-new-pin = PIN (almeno 8 cifre)
field-new-pin-confirm = Ripeti il PIN
pin-hint = Solo cifre, almeno 8. Il PIN non può essere recuperato: conservalo con cura.
activate-submit = Attiva il certificato

done-title = Rinnovo completato
done-text = Il nuovo certificato è attivo e valido fino al { $date }.
done-serial = Numero di serie del nuovo certificato

outbox-title = Messaggi inviati
outbox-intro = Ambiente dimostrativo: qui compaiono gli SMS e le e-mail che i titolari riceverebbero.
outbox-channel = Canale
outbox-to = Destinatario
outbox-when = Quando
outbox-text = Testo
outbox-empty = Nessun messaggio.

sms-otp-sign = rinnova: { $code } è il codice per firmare la richiesta di rinnovo. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
sms-otp-activate-1 = rinnova: { $code } è il codice per avviare l'attivazione del nuovo certificato. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
sms-otp-activate-2 = rinnova: { $code } è il codice per confermare l'attivazione del nuovo certificato. Scade tra { $minutes } minuti. Non comunicarlo a nessuno.
email-renewed-subject = Rinnovo completato: il tuo nuovo certificato di firma
email-renewed-body = Gentile { $name },
    il rinnovo è stato completato. Il nuovo certificato (numero di serie { $serial }) è valido fino al { $date }.
    Il certificato precedente è stato sostituito.
    Se non hai richiesto tu questo rinnovo, contatta subito il Certificatore.

err-RNV-AUTH-001 = Accedi per continuare.
err-RNV-AUTH-002 = User-id o password errati.
err-RNV-AUTH-003 = Troppi tentativi di accesso per questo user-id: riprova tra { $minutes } minuti.
err-RNV-GEN-404 = Pagina o elemento non trovato.
err-RNV-GEN-409 = La pratica è stata modificata nel frattempo: ricarica la pagina.
err-RNV-GEN-500 = Si è verificato un errore interno. Riprova più tardi; nulla è andato perso.
err-RNV-CSRF-001 = La sessione del modulo è scaduta: ricarica la pagina e riprova.
err-RNV-INP-001 = Lo user-id non è valido (lettere seguite da cifre, per esempio JZLF001).
err-RNV-INP-002 = Il codice fiscale non è valido.
err-RNV-INP-003 = L'indirizzo e-mail non è valido.
err-RNV-INP-004 = Il numero di cellulare non è valido.
err-RNV-INP-010 = Compila tutti i campi obbligatori.
err-RNV-PIN-001 = Il PIN deve essere composto da almeno 8 cifre.
err-RNV-PIN-002 = I due PIN non coincidono.
err-RNV-PIN-003 = PIN errato. Tentativi rimasti: { $remaining }.
err-RNV-PIN-004 = La credenziale di firma è bloccata per troppi PIN errati: rivolgiti a un operatore di registrazione (RAO).
err-RNV-WIN-001 = Il rinnovo non è ancora disponibile: lo sarà dal { $date }.
err-RNV-WIN-002 = Il periodo di rinnovo è terminato alla mezzanotte del giorno di scadenza: serve un nuovo certificato.
err-RNV-WIN-003 = Il certificato è scaduto: serve un nuovo certificato.
err-RNV-WIN-004 = Il certificato è revocato: serve un nuovo certificato.
err-RNV-WIN-005 = Il certificato è sospeso: non può essere rinnovato.
err-RNV-WIN-006 = Il certificato è già stato rinnovato.
err-RNV-WIN-007 = Il dispositivo che contiene il certificato è scaduto: serve un nuovo certificato.
err-RNV-WIN-008 = Il dispositivo è già stato rinnovato una volta: serve un nuovo certificato.
err-RNV-WF-001 = Questa operazione non è possibile in questa fase del rinnovo.
err-RNV-WF-002 = I documenti sono cambiati: rileggili e conferma di nuovo.
err-RNV-WF-003 = Per proseguire devi accettare le condizioni generali e confermare i tuoi dati.
err-RNV-OTP-001 = Codice OTP errato. Tentativi rimasti: { $remaining }.
err-RNV-OTP-002 = Il codice OTP è scaduto: chiedine uno nuovo.
err-RNV-OTP-003 = Troppi codici errati: chiedi un nuovo codice.
err-RNV-OTP-004 = Il codice OTP è già stato usato: chiedine uno nuovo.
err-RNV-OTP-005 = Nessun codice è stato inviato per questa operazione: chiedine uno.
err-RNV-OTP-006 = Attendi qualche secondo prima di chiedere un nuovo codice.
err-RNV-OTP-007 = Troppi codici inviati: riprova più tardi.
err-RNV-OTP-011 = Codice del token errato.
err-RNV-OTP-012 = Questo codice del token è già stato usato: attendi il successivo.
err-RNV-OTP-013 = Il codice deve essere composto dalle cifre mostrate dal token.
payment-free = Gratuito
payment-organisation = A carico dell'organizzazione
token-resync-title = Il codice del token non viene accettato?
token-resync-intro = Se l'orologio del token non è allineato, sincronizzalo: inserisci due codici consecutivi mostrati dal token.
token-resync-first = Primo codice
token-resync-second = Codice successivo
token-resync-submit = Sincronizza il token
token-resynced = Token sincronizzato: ora puoi usare il codice successivo.
