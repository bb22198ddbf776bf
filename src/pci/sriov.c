// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2_pci: SR-IOV and the VF token.
 *
 * With enable_sriov=1 a PF bound to iommufd2_pci creates VFs through its
 * sriov_numvfs attribute; each VF is captured for iommufd2_pci as the PCI
 * core adds it (its driver_override names our driver), so no host driver
 * binds a function whose PF a user drives.  A PF's user controls its VFs'
 * behaviour, so a VF's user must show that the two cooperate: the PF's
 * user sets a VF token (a UUID, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, or its
 * own bind's token while none of the VFs is bound), and the VF's bind must
 * carry the same token (VFIO_DEVICE_BIND_FLAG_TOKEN).  While VFs are
 * bound, a new bind of the PF must carry it too.  The answers follow
 * vfio-pci: EACCES for a missing or wrong token, EINVAL for a token where
 * none is used.
 *
 * Lifetime.  ifd2_sriov_pfs lists the PFs that enabled SR-IOV through us,
 * under ifd2_sriov_lock.  A VF that finds its PF there at probe keeps the
 * pointer (state->pf) until its remove: the PF leaves the list only after
 * pci_disable_sriov() has removed every VF, in its sriov_configure(0) or
 * in its own remove.  The token is the PF state's and outlives the PF's
 * files (a VF opened after the PF's user closed still needs it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include <uapi/linux/vfio.h>

#include "pci_cdev.h"

static bool enable_sriov;
module_param(enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov,
		 "Let a PF bound to iommufd2_pci create VFs (sriov_numvfs); the VFs work only if the PF's user driver supports them");

static LIST_HEAD(ifd2_sriov_pfs);
static DEFINE_MUTEX(ifd2_sriov_lock);

/* The PF state of @pdev, a VF, if that PF enabled SR-IOV through us. */
static struct ifd2_pci *ifd2_sriov_find_pf(struct pci_dev *pdev)
{
	struct pci_dev *physfn = pci_physfn(pdev);
	struct ifd2_pci *pf;

	lockdep_assert_held(&ifd2_sriov_lock);
	list_for_each_entry(pf, &ifd2_sriov_pfs, sriov_link)
		if (pf->pdev == physfn)
			return pf;
	return NULL;
}

/**
 * ifd2_sriov_probe() - a device's SR-IOV state at probe
 * @state: the new device state; its @pdev is set
 *
 * A PF gets a random VF token; a VF finds the PF state its token lives in.
 */
void ifd2_sriov_probe(struct ifd2_pci *state)
{
	struct pci_dev *pdev = state->pdev;

	INIT_LIST_HEAD(&state->sriov_link);
	mutex_init(&state->vf_token.lock);
	if (pdev->is_physfn) {
		state->vf_token.valid = true;
		uuid_gen(&state->vf_token.uuid);
	} else if (pdev->is_virtfn) {
		mutex_lock(&ifd2_sriov_lock);
		state->pf = ifd2_sriov_find_pf(pdev);
		mutex_unlock(&ifd2_sriov_lock);
	}
}

/**
 * ifd2_sriov_configure() - the driver's sriov_configure
 * @pdev: a PF bound to iommufd2_pci; the PCI core holds its device lock
 * @nr: VFs to create, 0 to remove them
 *
 * Return: @nr, or a negative errno.
 */
int ifd2_sriov_configure(struct pci_dev *pdev, int nr)
{
	struct ifd2_pci *state = pci_get_drvdata(pdev);
	int rc;

	device_lock_assert(&pdev->dev);
	if (nr) {
		if (!enable_sriov)
			return -ENOENT;
		mutex_lock(&ifd2_sriov_lock);
		if (!list_empty(&state->sriov_link)) {
			mutex_unlock(&ifd2_sriov_lock);
			return -EBUSY;
		}
		list_add_tail(&state->sriov_link, &ifd2_sriov_pfs);
		mutex_unlock(&ifd2_sriov_lock);
		rc = pci_enable_sriov(pdev, nr);
		if (!rc)
			return nr;
	} else {
		rc = 0;
		if (pci_num_vf(pdev))
			pci_disable_sriov(pdev);
	}
	/* Every VF is gone: none holds the pointer any more. */
	mutex_lock(&ifd2_sriov_lock);
	list_del_init(&state->sriov_link);
	mutex_unlock(&ifd2_sriov_lock);
	return rc;
}

/**
 * ifd2_sriov_remove() - a PF's VFs go before it does
 * @state: the departing device; the driver core holds its device lock
 */
void ifd2_sriov_remove(struct ifd2_pci *state)
{
	if (state->vf_token.valid)
		ifd2_sriov_configure(state->pdev, 0);
}

/* Is @uuid the PF's token?  Under its lock. */
static bool ifd2_token_match(struct ifd2_pci *pf, const uuid_t *uuid)
{
	lockdep_assert_held(&pf->vf_token.lock);
	return uuid && uuid_equal(uuid, &pf->vf_token.uuid);
}

/* A PF with bound VFs takes a bind only with its token.  Under its lock. */
static bool ifd2_pf_bind_refused(struct ifd2_pci *pf, const uuid_t *uuid)
{
	return pf->vf_token.users && !ifd2_token_match(pf, uuid);
}

/**
 * ifd2_sriov_claim() - check a bind's VF token and count a VF's binding
 * @state: the device being bound
 * @uuid: the token the bind carries, or NULL
 *
 * A VF whose PF enabled SR-IOV through us needs the PF's token, and is
 * then counted among the PF's bound VFs until ifd2_sriov_release().  A PF
 * with bound VFs needs the token; without, a token given is set once the
 * bind has succeeded (ifd2_sriov_commit()), so a refused bind changes
 * nothing.  Any other device, or a VF of a PF that is not ours, takes no
 * token.
 *
 * Return: 0, -EACCES for a missing or wrong token, -EINVAL for a token
 * nothing uses.
 */
int ifd2_sriov_claim(struct ifd2_pci *state, const uuid_t *uuid)
{
	struct ifd2_pci *pf = state->pf;
	int rc = 0;

	if (pf) {
		mutex_lock(&pf->vf_token.lock);
		if (ifd2_token_match(pf, uuid))
			pf->vf_token.users++;
		else
			rc = -EACCES;
		mutex_unlock(&pf->vf_token.lock);
	} else if (state->vf_token.valid) {
		mutex_lock(&state->vf_token.lock);
		if (ifd2_pf_bind_refused(state, uuid))
			rc = -EACCES;
		mutex_unlock(&state->vf_token.lock);
	} else if (uuid) {
		rc = -EINVAL;
	}
	if (rc)
		pci_info_ratelimited(state->pdev, "bind refused: %s VF token\n",
				     rc == -EINVAL ? "unused" :
				     uuid ? "wrong" : "no");
	return rc;
}

/**
 * ifd2_sriov_commit() - a PF's bind succeeded: its token takes effect
 * @state: the device just bound
 * @uuid: the token its bind carried, or NULL
 *
 * A VF may have bound with the old token since ifd2_sriov_claim()
 * checked; the check is made again, and then the bind fails as it would
 * have had the VF been first.
 *
 * Return: 0, or -EACCES.
 */
int ifd2_sriov_commit(struct ifd2_pci *state, const uuid_t *uuid)
{
	int rc = 0;

	if (state->pf || !state->vf_token.valid)
		return 0;
	mutex_lock(&state->vf_token.lock);
	if (ifd2_pf_bind_refused(state, uuid))
		rc = -EACCES;
	else if (!state->vf_token.users && uuid)
		uuid_copy(&state->vf_token.uuid, uuid);
	mutex_unlock(&state->vf_token.lock);
	return rc;
}

/**
 * ifd2_sriov_release() - a binding counted by ifd2_sriov_claim() ends
 * @state: the device
 */
void ifd2_sriov_release(struct ifd2_pci *state)
{
	struct ifd2_pci *pf = state->pf;

	if (!pf)
		return;
	mutex_lock(&pf->vf_token.lock);
	pf->vf_token.users--;
	mutex_unlock(&pf->vf_token.lock);
}

/**
 * ifd2_sriov_set_token() - VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
 * @state: the device, bound by the caller's file
 * @flags: the feature's flags
 * @arg: the feature's data
 * @size: bytes of it
 *
 * SET only: reading the token back would show one a previous user chose.
 *
 * Return: 0, or -ENOTTY on a device that is not a PF, -EINVAL, -EFAULT.
 */
int ifd2_sriov_set_token(struct ifd2_pci *state, u32 flags,
			 void __user *arg, size_t size)
{
	uuid_t uuid;

	if (!state->vf_token.valid)
		return -ENOTTY;
	if (flags & VFIO_DEVICE_FEATURE_GET)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & VFIO_DEVICE_FEATURE_SET) || size < sizeof(uuid))
		return -EINVAL;
	if (copy_from_user(&uuid, arg, sizeof(uuid)))
		return -EFAULT;
	mutex_lock(&state->vf_token.lock);
	uuid_copy(&state->vf_token.uuid, &uuid);
	mutex_unlock(&state->vf_token.lock);
	return 0;
}

/*
 * A VF of one of our PFs is being added: have it probed by us, before any
 * host driver can take it.
 */
static int ifd2_sriov_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	int rc;

	if (action != BUS_NOTIFY_ADD_DEVICE || !pdev->is_virtfn)
		return NOTIFY_DONE;
	mutex_lock(&ifd2_sriov_lock);
	if (ifd2_sriov_find_pf(pdev)) {
		rc = device_set_driver_override(&pdev->dev,
						ifd2_pci_driver_name());
		if (rc)
			pci_warn(pdev, "VF not captured: %d\n", rc);
	}
	mutex_unlock(&ifd2_sriov_lock);
	return NOTIFY_DONE;
}

static struct notifier_block ifd2_sriov_nb = {
	.notifier_call = ifd2_sriov_notify,
};

/**
 * ifd2_sriov_init() - watch for VFs of our PFs
 *
 * Return: 0 or a negative errno.
 */
int ifd2_sriov_init(void)
{
	return bus_register_notifier(&pci_bus_type, &ifd2_sriov_nb);
}

/** ifd2_sriov_exit() - stop watching; every PF has gone */
void ifd2_sriov_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &ifd2_sriov_nb);
}
