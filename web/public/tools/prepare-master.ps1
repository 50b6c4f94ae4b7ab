<#
.SYNOPSIS
  Prepares a Windows reference machine to become a Marrow master: checks, cleans up,
  generalises it with sysprep and shuts it down, ready to be backed up from the network.

.DESCRIPTION
  Run as administrator on the reference machine, after its basic configuration (in audit
  mode, OOBE skipped). Steps, each reported on the console:
    1. Refuses to run when a reboot is pending (updates would be replayed on every machine).
    2. Refuses to run when BitLocker protects the system drive (an encrypted volume cannot
       be captured as a filesystem) or when Windows is not activated-ready for sysprep
       (sysprep's own checks are left to sysprep).
    3. Cleans up: temporary files, Windows Update download cache, event logs (-KeepLogs to
       skip), the recycle bin; optionally the component store (-CleanComponentStore, slow).
    4. Runs sysprep /generalize /oobe /shutdown, with /unattend:FILE when -Unattend is given.
       Marrow's post-imaging scripts (CopySysprep) write the deployed machine's own answer
       file later, so none is needed here.
  After the shutdown: PXE-boot the machine and choose "Back up this machine" (or request a
  backup in the portal), then promote the backup image to a master.

.PARAMETER Unattend
  An answer file passed to sysprep (/unattend:). Optional.

.PARAMETER KeepLogs
  Keep the event logs (by default they are cleared so deployed machines start clean).

.PARAMETER CleanComponentStore
  Also run DISM /StartComponentCleanup /ResetBase (smaller masters; takes minutes; makes
  installed updates permanent).

.PARAMETER WhatIf
  Report what would be done, change nothing.

.EXAMPLE
  powershell.exe -ExecutionPolicy Bypass -File .\prepare-master.ps1

.NOTES
  Marrow cannot run this script in its own tests (there is no Windows in its CI); it is
  kept small, and every step says what it does. Exit codes: 0 sysprep started, 1 refused
  (the message says why), 2 sysprep failed (see C:\Windows\System32\Sysprep\Panther).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [string]$Unattend,
  [switch]$KeepLogs,
  [switch]$CleanComponentStore
)

$ErrorActionPreference = 'Stop'

function Say([string]$Text) { Write-Host "prepare-master: $Text" }
function Refuse([string]$Text) { Write-Host "prepare-master: REFUSED: $Text" -ForegroundColor Red; exit 1 }

# --- 0. Administrator -----------------------------------------------------------------
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Refuse 'run this script as administrator'
}

# --- 1. Pending reboot ----------------------------------------------------------------
$pending = @(
  'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending',
  'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
) | Where-Object { Test-Path $_ }
$renames = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue).PendingFileRenameOperations
if ($pending -or $renames) {
  Refuse "a reboot is pending ($(@($pending) + $(if ($renames) { 'PendingFileRenameOperations' }) -join ', ')): reboot, then run this script again"
}
Say 'no reboot pending'

# --- 2. BitLocker ---------------------------------------------------------------------
$bitlocker = Get-CimInstance -Namespace 'root\CIMV2\Security\MicrosoftVolumeEncryption' -ClassName Win32_EncryptableVolume -ErrorAction SilentlyContinue |
  Where-Object { $_.DriveLetter -eq $env:SystemDrive -and $_.ProtectionStatus -ne 0 }
if ($bitlocker) {
  Refuse "BitLocker protects $($env:SystemDrive): turn it off (manage-bde -off $($env:SystemDrive)) and wait for decryption to finish"
}
Say 'system drive not encrypted'

if ($Unattend -and -not (Test-Path $Unattend)) { Refuse "answer file $Unattend not found" }

# --- 3. Clean-up ----------------------------------------------------------------------
function Clear-Folder([string]$Path) {
  if (Test-Path $Path) {
    if ($PSCmdlet.ShouldProcess($Path, 'delete contents')) {
      Get-ChildItem $Path -Force -ErrorAction SilentlyContinue | Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    }
  }
}
Say 'cleaning temporary files'
Clear-Folder $env:TEMP
Clear-Folder "$env:SystemRoot\Temp"
Say 'cleaning the Windows Update download cache'
if ($PSCmdlet.ShouldProcess('wuauserv', 'stop')) { Stop-Service wuauserv -Force -ErrorAction SilentlyContinue }
Clear-Folder "$env:SystemRoot\SoftwareDistribution\Download"
if ($PSCmdlet.ShouldProcess('recycle bin', 'empty')) { Clear-RecycleBin -Force -ErrorAction SilentlyContinue }
if (-not $KeepLogs) {
  Say 'clearing the event logs'
  if ($PSCmdlet.ShouldProcess('event logs', 'clear')) {
    wevtutil el | ForEach-Object { wevtutil cl "$_" 2>$null }
  }
}
if ($CleanComponentStore) {
  Say 'cleaning the component store (this takes a while)'
  if ($PSCmdlet.ShouldProcess('component store', 'DISM /StartComponentCleanup /ResetBase')) {
    Dism.exe /Online /Cleanup-Image /StartComponentCleanup /ResetBase | Out-Host
  }
}

# --- 4. Sysprep -----------------------------------------------------------------------
$sysprep = Join-Path $env:SystemRoot 'System32\Sysprep\sysprep.exe'
$arguments = @('/generalize', '/oobe', '/shutdown', '/quiet')
if ($Unattend) { $arguments += "/unattend:$((Resolve-Path $Unattend).Path)" }
Say "running sysprep $($arguments -join ' ')"
if ($PSCmdlet.ShouldProcess($sysprep, ($arguments -join ' '))) {
  $process = Start-Process -FilePath $sysprep -ArgumentList $arguments -Wait -PassThru
  if ($process.ExitCode -ne 0) {
    Write-Host "prepare-master: sysprep failed (exit $($process.ExitCode)): see $env:SystemRoot\System32\Sysprep\Panther\setuperr.log" -ForegroundColor Red
    exit 2
  }
}
Say 'sysprep done: the machine shuts down. PXE-boot it and back it up.'
exit 0
